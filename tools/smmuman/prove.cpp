#include "prove.hpp"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "simulate.hpp"
#include "smmuman/core/range_set.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/models/sim_dma.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/theorem.hpp"
#include "smmuman/service/model_board.hpp"

namespace smmuman::tools {

namespace {

// A host client's history: each host device that nothing else owns joins an
// object of its own mapping one page of host memory, read/write.
std::vector<std::string> host_client_history(core::Manager& m) {
  const core::Deployment& d = m.deployment();
  core::RangeSet<core::HpaSpace> host = d.platform.memory;
  for (const auto& r : d.vm_host_memory.ranges()) host.erase(r);
  for (const auto& r : d.reserved_set.ranges()) host.erase(r);
  std::vector<std::string> errors;
  std::optional<uint64_t> page;
  for (const auto& r : host.ranges()) {
    const uint64_t first = (r.first() + core::kGranuleMask) & ~core::kGranuleMask;
    if (first >= r.first() && first <= r.last() && r.last() - first >= core::kGranuleMask) {
      page = first;
      break;
    }
  }
  if (!page || d.role != core::Role::host) return errors;
  auto client = m.connect({"prove host client", std::nullopt, false});
  if (!client) return {client.error().message};
  for (core::DeviceIndex dev{0}; dev < d.devices.size(); ++dev) {
    if (d.device_vm[dev] || !d.device_startup[dev].empty()) continue;
    auto object = m.create_object(client.value());
    if (!object) return {object.error().message};
    const core::MappingSpec spec{core::IovaRange::from_first_last(*page, *page + core::kGranuleMask), core::Hpa{*page},
                                 core::Perms::from_bits(3)};
    if (auto s = m.map(client.value(), object.value(), {spec}); !s) errors.push_back(s.error().message);
    if (auto a = m.attach(client.value(), object.value(), selector_of(d.devices[dev])); !a) {
      errors.push_back(fmt::format("attaching {}: {}", d.devices[dev].name, a.error().message));
    }
  }
  return errors;
}

proofs::ProgrammedBy programmed_by(service::ModelBoard& board) {
  return [&board](core::UnitIndex unit, uint32_t sid) { return board.programmed(unit, sid); };
}

// One corrupted descriptor of a device's translation: the unit's
// within_grants theorem must then have a counterexample.
struct Corruption {
  core::UnitIndex unit;
  std::string name;
  std::string meaning;
  uint64_t address = 0;
  uint64_t value = 0;
};

std::vector<Corruption> corruptions(const core::Deployment& d, const std::vector<proofs::UnitProgram>& units,
                                    sim::SimDma& memory) {
  std::vector<Corruption> out;
  const proofs::StreamProgram* stream = nullptr;
  core::UnitIndex unit{0};
  for (const auto& u : units) {
    for (const auto& s : u.streams) {
      if (!stream && s.device && !s.program.leaves.empty()) {
        stream = &s;
        unit = u.unit;
      }
    }
  }
  if (!stream) return out;
  const sim::ProgrammedLeaf& leaf = stream->program.leaves.front();
  const uint64_t word = memory.read64(leaf.descriptor);
  // VMSAv8-64 stage-2 descriptors (DDI 0487 D8.3): OA in [47:12], S2AP[0] (read) bit 6,
  // S2AP[1] (write) bit 7, XN [54:53] (0b10 = not executable), AF bit 10, bit 1: table/page.
  // The highest output bit the unit has (and the descriptor holds), so the
  // leaf stays valid and lands elsewhere.
  const unsigned oa_bit = std::min(d.units[unit].capabilities.output_address_bits, 48u) - 1;
  out.push_back({unit, "output_bit", fmt::format("one bit of a leaf's output address flipped (OA bit {})", oa_bit),
                 leaf.descriptor, word ^ (uint64_t{1} << oa_bit)});
  // A leaf that lacks a permission, given it.
  const auto permission = [&]() -> std::optional<Corruption> {
    for (const auto& u : units) {
      for (const auto& st : u.streams) {
        if (!st.device) continue;
        for (const auto& l : st.program.leaves) {
          const uint64_t v = memory.read64(l.descriptor);
          if (!l.write) {
            return Corruption{u.unit, "permission_bit", "a leaf without write given write (S2AP[1])", l.descriptor,
                              v | (uint64_t{1} << 7)};
          }
          if (!l.exec) {
            return Corruption{u.unit, "permission_bit", "a non-executable leaf made executable (XN cleared)",
                              l.descriptor, v & ~(uint64_t{3} << 53)};
          }
        }
      }
    }
    return std::nullopt;
  };
  if (auto p = permission()) out.push_back(*p);
  // Blocks exist at levels 1 and 2 only (DDI 0487 D8.3.1): not above a 1 GiB block.
  if (leaf.parent != 0 && leaf.size < (uint64_t{1} << 30)) {
    // The table descriptor above the leaf becomes a block of the parent level's
    // size: AF, read/write, output aligned down to the block.
    const uint64_t block = leaf.size * 512;
    const uint64_t value = 1 | (uint64_t{1} << 10) | (uint64_t{3} << 6) | (uint64_t{2} << 53) |
                           ((leaf.output & ~(block - 1)) & (((uint64_t{1} << 48) - 1) & ~uint64_t{0xfff}));
    out.push_back({unit, "block_overshoot",
                   fmt::format("the table above a leaf replaced by a {} block", core::format_size(block)), leaf.parent,
                   value});
  }
  return out;
}

}  // namespace

int prove(const config::LoadResult& loaded, const std::string& shown_path, const ProveOptions& options) {
  const core::Deployment* deployment = loaded.deployment    ? &*loaded.deployment
                                       : loaded.unvalidated ? &*loaded.unvalidated
                                                            : nullptr;
  if (!deployment) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "error: {}\n", config::to_string(e));
    fmt::print(stderr, "{}: cannot be read whole, so there is nothing to prove\n", shown_path);
    return 1;
  }
  // A deployment the configuration checks refuse is still proved: the
  // theorems are an independent second look, and their counterexamples say
  // what is wrong in the same terms.
  if (!loaded.deployment && !options.json) {
    fmt::print(stderr, "{}: the configuration checks refuse this deployment ({} error{}); proving it anyway:\n",
               shown_path, loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    for (const auto& e : loaded.errors) fmt::print(stderr, "  {}\n", config::to_string(e));
  }

  z3::context ctx;
  std::vector<proofs::Theorem> theorems = proofs::deployment_theorems(ctx, *deployment);
  if (!options.all) {
    // The translation theorems use instances of these; --all proves them with the rest.
    auto lemmas = proofs::lemma_theorems(ctx);
    theorems.insert(theorems.end(), std::make_move_iterator(lemmas.begin()), std::make_move_iterator(lemmas.end()));
  }
  // With --all, the theorems that hold for every configuration (admission,
  // ownership, ranges, the generated code) run here, on options.jobs threads.
  const size_t configuration_free_at = theorems.size();
  // Translation validation: the deployment brought up on the models and a
  // client history run (each VM starts; a host client maps a page for each
  // free host device), then every unit's tables read back.
  std::vector<std::string> notes;
  bool history_failed = false;
  std::unique_ptr<core::Manager> manager;
  std::unique_ptr<service::ModelBoard> board;
  std::unique_ptr<hw::HardwareSystem> system;
  if (loaded.deployment) {
    manager = std::make_unique<core::Manager>(*loaded.deployment, /*check_invariants=*/true);
    auto created = service::ModelBoard::create(manager->deployment());
    if (!created) {
      notes.push_back("no translation validation: " + created.error().message);
    } else {
      board = std::move(created.value());
      std::vector<uint64_t> told_apart;
      for (core::UnitIndex u{0}; u < manager->deployment().units.size(); ++u) {
        told_apart.push_back(board->stream_ids_told_apart(u));
      }
      auto hardware = proofs::hardware_stream_theorems(ctx, manager->deployment(), told_apart);
      theorems.insert(theorems.end(), std::make_move_iterator(hardware.begin()),
                      std::make_move_iterator(hardware.end()));
      auto brought = board->bring_up(manager->deployment());
      if (!brought) {
        notes.push_back("no translation validation: " + brought.error().message);
      } else {
        system = std::move(brought.value());
        std::vector<std::string> errors;
        if (auto s = manager->attach_hardware(*system); !s) errors.push_back(s.error().message);
        for (auto& e : start_vms(*manager)) errors.push_back(std::move(e));
        for (auto& e : host_client_history(*manager)) errors.push_back(std::move(e));
        for (const auto& e : errors) fmt::print(stderr, "error: the client history: {}\n", e);
        // The theorems still run: they say in the configuration's terms what broke it.
        history_failed = !errors.empty();
        if (history_failed) notes.push_back("no translation validation: the client history failed (above)");
      }
      if (system && !history_failed) {
        const auto units = proofs::read_back(programmed_by(*board), manager->deployment(), notes);
        auto translation = proofs::translation_theorems(ctx, *manager, units);
        theorems.insert(theorems.end(), std::make_move_iterator(translation.begin()),
                        std::make_move_iterator(translation.end()));
        if (options.all) {
          // Each corruption of one descriptor must give within_grants a counterexample.
          for (const auto& c : corruptions(manager->deployment(), units, board->memory())) {
            uint64_t* word = board->memory().words_at(c.address);
            const uint64_t saved = *word;
            *word = c.value;
            std::vector<std::string> ignored;  // the same notes again
            const auto corrupted_units = proofs::read_back(programmed_by(*board), manager->deployment(), ignored);
            *word = saved;
            for (auto& t : proofs::translation_theorems(ctx, *manager, corrupted_units)) {
              if (t.id == "translation." + manager->deployment().units[c.unit].name + ".within_grants") {
                t.id = "translation.mutant." + c.name + "." + t.id.substr(std::string("translation.").size());
                t.meaning = c.meaning + ": " + t.meaning;
                t.expect = proofs::Expect::counterexample;
                theorems.push_back(std::move(t));
              }
            }
          }
        }
      }
    }
  } else {
    notes.push_back("no translation validation: the deployment cannot be brought up");
  }
  proofs::RunOptions run_options;
  run_options.smtlib_dir = options.smtlib_dir;
  run_options.cross_check = options.cross_check;
  run_options.cvc5 = options.cvc5;
  run_options.timeout_ms = options.timeout_seconds * 1000;
  const std::string solver = proofs::z3_version();
  std::string checker;
  if (options.cross_check) {
    checker = proofs::cvc5_version(options.cvc5);
    if (checker.empty()) {
      fmt::print(stderr, "error: --cross-check: cannot run '{}' (Debian package cvc5)\n", options.cvc5);
      return 1;
    }
  }
  std::vector<proofs::Outcome> outcomes;
  const auto emit = [&](proofs::Outcome outcome) {
    if (options.json) {
      auto line = proofs::to_json(outcome, solver);
      if (options.cross_check) line["cross_check_solver"] = checker;
      fmt::print("{}\n", line.dump());
    }
    outcomes.push_back(std::move(outcome));
  };
  for (size_t i = 0; i <= theorems.size(); ++i) {
    if (i == configuration_free_at && options.all) {
      for (auto& o : proofs::run_in_parallel([](z3::context& c) { return proofs::configuration_free_theorems(c); },
                                             run_options, options.jobs))
        emit(std::move(o));
    }
    if (i < theorems.size()) emit(proofs::run(theorems[i], run_options));
  }
  const bool ok = proofs::all_as_expected(outcomes) && loaded.deployment.has_value() && !history_failed;
  if (options.json) {
    nlohmann::json summary = {{"file", shown_path},
                              {"ok", ok},
                              {"solver", solver},
                              {"queries", outcomes.size()},
                              {"configuration_checks_pass", loaded.deployment.has_value()}};
    if (options.cross_check) summary["cross_check_solver"] = checker;
    summary["notes"] = notes;
    fmt::print("{}\n", summary.dump());
    return ok ? 0 : 1;
  }
  fmt::print("{}: {}{}\n", shown_path, solver, options.cross_check ? ", cross-checked with " + checker : "");
  fmt::print("{}", proofs::render_table(outcomes));
  for (const auto& n : notes) fmt::print("note: {}\n", n);
  if (!options.smtlib_dir.empty()) fmt::print("SMT-LIB2 queries written to {}\n", options.smtlib_dir);
  fmt::print("{}: {}\n", shown_path, ok ? "PROVED" : "NOT PROVED");
  return ok ? 0 : 1;
}

}  // namespace smmuman::tools
