// The runtime state of smmuman, and planned changes to it that apply without
// allocating or failing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/translation_map.hpp"

namespace smmuman::core {

struct ClientSpec {
  std::string name;
  // Set for a VM's client (its requests name guest-physical memory); unset
  // for a host client, whose requests name physical memory directly.
  std::optional<VmIndex> vm;
  // QNX SMMU_ABILITY_TARGET_NAME ("smmu/target"): may map IOVA -> address.
  bool may_target = false;
  bool operator==(const ClientSpec&) const = default;
};

struct Client {
  ClientSpec spec;
  std::set<ObjectId> objects;
  bool operator==(const Client&) const = default;
};

using MappingTable = TranslationMap<IovaSpace, HpaSpace>;

// A group of devices sharing one set of mappings (QNX smmu_obj_create). On
// each unit where it holds devices it has one domain (plan.hpp).
struct Object {
  ClientId owner;
  MappingTable mappings;
  std::set<DeviceIndex> devices;
  bool operator==(const Object&) const = default;
};

struct State {
  std::map<ClientId, Client> clients;
  std::map<ObjectId, Object> objects;
  std::vector<std::optional<ObjectId>> device_object;  // per device
  ClientId next_client{1};
  ObjectId next_object{1};
  bool operator==(const State&) const = default;
};

// A planned change to one std::map or std::set: keys to erase, then nodes,
// allocated when the change was planned, to insert.
template <class Container>
class ContainerEdit {
 public:
  using Key = typename Container::key_type;
  using Node = typename Container::node_type;

  void erase(const Key& key) { erase_keys_.push_back(key); }
  // Allocates now, so that apply does not.
  template <class... Args>
  void insert(Args&&... args) {
    Container scratch;
    nodes_.push_back(scratch.extract(scratch.emplace(std::forward<Args>(args)...).first));
  }
  bool empty() const { return erase_keys_.empty() && nodes_.empty(); }

  void apply(Container& c) noexcept {
    for (const Key& key : erase_keys_) c.erase(key);
    for (Node& node : nodes_) c.insert(std::move(node));
    erase_keys_.clear();
    nodes_.clear();
  }

 private:
  std::vector<Key> erase_keys_;
  std::vector<Node> nodes_;
};

// Everything one operation changes in State, prepared by its decision. Built
// with allocation; applied without (State::apply).
struct StateEdit {
  // Applied first, to objects and clients that exist before the edit.
  std::vector<std::pair<ClientId, ContainerEdit<std::set<ObjectId>>>> client_objects;
  std::vector<std::pair<ObjectId, ContainerEdit<std::set<DeviceIndex>>>> object_devices;
  std::vector<std::pair<ObjectId, MappingTable::Edit>> object_mappings;
  std::vector<std::pair<DeviceIndex, std::optional<ObjectId>>> device_object;
  // Then whole clients and objects leave and arrive.
  ContainerEdit<std::map<ClientId, Client>> clients;
  ContainerEdit<std::map<ObjectId, Object>> objects;
  std::optional<ClientId> next_client;
  std::optional<ObjectId> next_object;
};

// Applies an edit prepared against this state: no allocation, no failure.
void apply(State& state, StateEdit&& edit) noexcept;

}  // namespace smmuman::core
