// A YAML document as a tree that remembers where everything was written.
//
// yaml-cpp's own nodes lose the position of an alias use (an alias is the
// anchored node itself), keep the first of two equal keys without a word,
// and read only the first document of a stream. This tree is built from
// yaml-cpp's event parser instead, so a reader can name the line of the item
// it is checking even when that item is an alias, and every configuration
// format gets the same refusals for free:
//   - text that is not UTF-8, or holds characters YAML forbids (YAML 1.2.2,
//     5.1 "Character Set": c-printable);
//   - a second document (a configuration is one document);
//   - a key given twice in one mapping, or a key that is not a plain value;
//   - an alias that refers to a node containing it;
//   - aliases that expand the document beyond input::expansion_limit (each
//     node weighs one plus the bytes of its text), so a reader's work and
//     the text it may quote stay linear in the file whatever the aliases.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smmuman::input {

struct YamlProblem {
  int line = 0;  // 1-based
  std::string message;
};

class YamlTree;

// One node, as a reader reached it from the root. Cheap to copy; valid while
// its tree lives.
class YamlNode {
 public:
  YamlNode() = default;  // absent: a key that is not there
  explicit operator bool() const { return tree_ != nullptr; }

  bool is_map() const;
  bool is_sequence() const;
  bool is_scalar() const;
  bool is_null() const;  // an empty value, `~` or `null`
  const std::string& scalar() const;  // the text of a scalar; empty for anything else

  // The line to name in a message about this node: the line of the first
  // alias on the reader's path to it (the item that used the anchor), else
  // the line the node is written on.
  int line() const;

  size_t size() const;  // entries of a mapping, items of a sequence, else 0
  // The value of `key` in a mapping; absent when this is no mapping or lacks the key.
  YamlNode operator[](std::string_view key) const;
  std::vector<YamlNode> items() const;                         // a sequence's items
  std::vector<std::pair<YamlNode, YamlNode>> entries() const;  // a mapping's keys and values

 private:
  friend class YamlTree;
  YamlNode(const YamlTree* tree, uint32_t index, int alias_line) : tree_(tree), index_(index), alias_line_(alias_line) {}
  YamlNode child(uint32_t slot) const;

  const YamlTree* tree_ = nullptr;
  uint32_t index_ = 0;
  int alias_line_ = 0;  // 0: not reached through an alias
};

class YamlTree {
 public:
  enum class Kind : uint8_t { null, scalar, sequence, map, alias };
  struct Node {
    Kind kind = Kind::null;
    int line = 0;
    uint32_t first_slot = 0;  // children: slots [first_slot, first_slot + slot_count) of slots_
    uint32_t slot_count = 0;  // a mapping has two per entry: key, value
    uint32_t target = 0;      // an alias: the anchored node
    std::string text;         // a scalar's value
  };

  YamlNode root() const { return has_root_ ? YamlNode(this, root_, 0) : YamlNode(); }

 private:
  friend class YamlNode;
  friend class YamlTreeBuilder;
  std::vector<Node> nodes_;
  std::vector<uint32_t> slots_;
  uint32_t root_ = 0;
  bool has_root_ = false;
};

struct YamlParse {
  // Set unless a problem left nothing to read (bad text, bad syntax, a second
  // document, a runaway alias). Repeated and non-plain keys are problems too,
  // but the tree is still given, holding the first of each key, so a reader
  // can report more.
  std::unique_ptr<YamlTree> tree;
  std::vector<YamlProblem> problems;  // in line order
  YamlNode root() const { return tree ? tree->root() : YamlNode(); }
};

YamlParse parse_yaml(std::string_view text);

// The checks every reader of a YAML tree makes, with the messages they give,
// so that config files and hardware descriptions say the same thing.
// Why `node`, called `what`, is not a single value; nullopt when it is.
std::optional<std::string> not_a_scalar(const YamlNode& node, const std::string& what);
// Each key of the mapping `map` (called `what`) outside `allowed`, with its message.
std::vector<std::pair<YamlNode, std::string>> unknown_keys(const YamlNode& map, const std::string& what,
                                                           std::initializer_list<const char*> allowed);

}  // namespace smmuman::input
