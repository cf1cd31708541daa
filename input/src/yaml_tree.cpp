#include "smmuman/input/yaml_tree.hpp"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "smmuman/input/limits.hpp"
#include "smmuman/input/text.hpp"

namespace smmuman::input {

// ---- YamlNode ----

namespace {
const std::string kEmpty;
}

bool YamlNode::is_map() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::map; }
bool YamlNode::is_sequence() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::sequence; }
bool YamlNode::is_scalar() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::scalar; }
bool YamlNode::is_null() const { return tree_ && tree_->nodes_[index_].kind == YamlTree::Kind::null; }
const std::string& YamlNode::scalar() const { return is_scalar() ? tree_->nodes_[index_].text : kEmpty; }
int YamlNode::line() const {
  if (!tree_) return 0;
  return alias_line_ != 0 ? alias_line_ : tree_->nodes_[index_].line;
}

size_t YamlNode::size() const {
  if (is_map()) return tree_->nodes_[index_].slot_count / 2;
  if (is_sequence()) return tree_->nodes_[index_].slot_count;
  return 0;
}

// Aliases are resolved here, so a reader never sees one; the first alias on
// the path gives the line every node below it reports.
YamlNode YamlNode::child(uint32_t slot) const {
  const YamlTree::Node& parent = tree_->nodes_[index_];
  const uint32_t index = tree_->slots_[parent.first_slot + slot];
  const YamlTree::Node& node = tree_->nodes_[index];
  if (node.kind == YamlTree::Kind::alias) return YamlNode(tree_, node.target, alias_line_ != 0 ? alias_line_ : node.line);
  return YamlNode(tree_, index, alias_line_);
}

YamlNode YamlNode::operator[](std::string_view key) const {
  if (!is_map()) return {};
  const uint32_t slots = tree_->nodes_[index_].slot_count;
  for (uint32_t slot = 0; slot < slots; slot += 2) {
    if (child(slot).scalar() == key) return child(slot + 1);
  }
  return {};
}

std::vector<YamlNode> YamlNode::items() const {
  std::vector<YamlNode> out;
  if (!is_sequence()) return out;
  const uint32_t slots = tree_->nodes_[index_].slot_count;
  out.reserve(slots);
  for (uint32_t slot = 0; slot < slots; ++slot) out.push_back(child(slot));
  return out;
}

std::vector<std::pair<YamlNode, YamlNode>> YamlNode::entries() const {
  std::vector<std::pair<YamlNode, YamlNode>> out;
  if (!is_map()) return out;
  const uint32_t slots = tree_->nodes_[index_].slot_count;
  out.reserve(slots / 2);
  for (uint32_t slot = 0; slot < slots; slot += 2) out.emplace_back(child(slot), child(slot + 1));
  return out;
}

// ---- building ----

namespace {

// Thrown to stop the parser once a problem leaves nothing sensible to read.
struct StopParsing {};

// Thrown by the probe that looks for a second document.
struct SecondDocument {
  int line;
};

int line_of(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 1 : 0; }

const char* kind_name(YamlTree::Kind kind) {
  switch (kind) {
    case YamlTree::Kind::null: return "an empty value";
    case YamlTree::Kind::scalar: return "a value";
    case YamlTree::Kind::sequence: return "a list";
    case YamlTree::Kind::map: return "a mapping";
    case YamlTree::Kind::alias: return "an alias";
  }
  return "";
}

class SecondDocumentProbe : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { throw SecondDocument{line_of(mark)}; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

class YamlTreeBuilder : public YAML::EventHandler {
 public:
  YamlTreeBuilder(std::string_view text, YamlTree& tree, std::vector<YamlProblem>& problems)
      : text_(text), tree_(tree), problems_(problems), limit_(expansion_limit(text.size())) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const uint32_t index = add(YamlTree::Kind::null, null_line(mark), anchor, 1);
    finish(index, 1);
  }

  // A scalar weighs one plus its bytes: an alias to a long text repeats those bytes.
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    const uint64_t weight = 1 + uint64_t{value.size()};
    const uint32_t index = add(YamlTree::Kind::scalar, line_of(mark), anchor, weight);
    tree_.nodes_[index].text = value;
    finish(index, weight);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const int line = line_of(mark);
    if (anchor >= anchor_nodes_.size() || anchor_nodes_[anchor] == kNone) {
      fatal(line, "an alias names no anchor");  // yaml-cpp reports unknown anchors itself; kept as a guard
    }
    const uint32_t target = anchor_nodes_[anchor];
    if (expanded_[target] == 0) {
      fatal(line, fmt::format("alias '*{}' refers to a node that contains it", anchor_name(anchor)));
    }
    const uint64_t size = expanded_[target];
    total_expanded_ = size > limit_ ? limit_ + 1 : total_expanded_ + size;
    if (total_expanded_ > limit_) {
      fatal(line, fmt::format("alias '*{}': the aliases in this file expand it past {} (four times its size: each "
                              "node counts one, plus the bytes of its text); write the items out instead",
                              anchor_name(anchor), limit_));
    }
    const uint32_t index = add(YamlTree::Kind::alias, line, 0, /*weight=*/0);
    tree_.nodes_[index].target = target;
    finish(index, size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open_.push_back(Open{add(YamlTree::Kind::sequence, line_of(mark), anchor, 1), {}, 1});
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open_.push_back(Open{add(YamlTree::Kind::map, line_of(mark), anchor, 1), {}, 1});
  }
  void OnMapEnd() override {
    drop_bad_keys(open_.back());
    close();
  }

  void OnAnchor(const YAML::Mark&, const std::string& name) override { pending_anchor_name_ = name; }

 private:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  struct Open {
    uint32_t node;
    std::vector<uint32_t> slots;
    uint64_t expanded;  // weight of it and what is below it so far, aliases counted as what they stand for
  };

  [[noreturn]] void fatal(int line, std::string message) {
    problems_.push_back(YamlProblem{line, std::move(message)});
    throw StopParsing{};
  }

  std::string anchor_name(YAML::anchor_t anchor) const {
    return anchor < anchor_names_.size() ? anchor_names_[anchor] : std::string("?");
  }

  // `weight`: what the node adds to the expanded document (an alias adds its target's, when it is known).
  uint32_t add(YamlTree::Kind kind, int line, YAML::anchor_t anchor, uint64_t weight) {
    if (tree_.nodes_.size() >= kNone - 1) fatal(line, "the document has too many nodes");
    const auto index = static_cast<uint32_t>(tree_.nodes_.size());
    tree_.nodes_.push_back(YamlTree::Node{kind, line, 0, 0, 0, {}});
    expanded_.push_back(0);  // 0 until the node is complete
    total_expanded_ += weight;
    if (anchor != YAML::NullAnchor) {
      if (anchor >= anchor_nodes_.size()) {
        anchor_nodes_.resize(anchor + 1, kNone);
        anchor_names_.resize(anchor + 1);
      }
      anchor_nodes_[anchor] = index;
      anchor_names_[anchor] = std::move(pending_anchor_name_);
    }
    pending_anchor_name_.clear();
    return index;
  }

  // A complete node goes to its parent, or becomes the root.
  void finish(uint32_t index, uint64_t expanded) {
    if (tree_.nodes_[index].kind != YamlTree::Kind::alias) expanded_[index] = expanded;
    if (open_.empty()) {
      tree_.root_ = index;
      tree_.has_root_ = true;
      return;
    }
    Open& parent = open_.back();
    parent.slots.push_back(index);
    parent.expanded = std::min(parent.expanded + expanded, limit_ + 1);
  }

  void close() {
    Open done = std::move(open_.back());
    open_.pop_back();
    YamlTree::Node& node = tree_.nodes_[done.node];
    node.first_slot = static_cast<uint32_t>(tree_.slots_.size());
    node.slot_count = static_cast<uint32_t>(done.slots.size());
    tree_.slots_.insert(tree_.slots_.end(), done.slots.begin(), done.slots.end());
    finish(done.node, done.expanded);
  }

  const YamlTree::Node& resolved(uint32_t index) const {
    const YamlTree::Node& node = tree_.nodes_[index];
    return node.kind == YamlTree::Kind::alias ? tree_.nodes_[node.target] : node;
  }

  // Keys must be plain values and unique within their mapping; any other
  // entry is reported and left out, keeping the first of each key.
  void drop_bad_keys(Open& map) {
    std::unordered_map<std::string_view, int> first_line;
    std::vector<uint32_t> kept;
    kept.reserve(map.slots.size());
    for (size_t i = 0; i + 1 < map.slots.size(); i += 2) {
      const YamlTree::Node& key_node = tree_.nodes_[map.slots[i]];
      const YamlTree::Node& key = resolved(map.slots[i]);
      if (key.kind != YamlTree::Kind::scalar) {
        problems_.push_back(YamlProblem{key_node.line, fmt::format("a key must be a plain value, not {}", kind_name(key.kind))});
        continue;
      }
      const auto [it, fresh] = first_line.emplace(key.text, key_node.line);
      if (!fresh) {
        problems_.push_back(YamlProblem{
            key_node.line, fmt::format("key '{}' is given twice in one mapping (first on line {})", key.text, it->second)});
        continue;
      }
      kept.push_back(map.slots[i]);
      kept.push_back(map.slots[i + 1]);
    }
    map.slots = std::move(kept);
  }

  // yaml-cpp marks an empty value at the token after it; walk back over blanks
  // to the '-' or ':' it belongs to, so an empty list item names its own line.
  // The walk covers only the blanks before this token, so all walks together
  // read the text at most once.
  int null_line(const YAML::Mark& mark) const {
    if (mark.pos <= 0 || mark.line < 0 || static_cast<size_t>(mark.pos) > text_.size()) return line_of(mark);
    size_t at = static_cast<size_t>(mark.pos);
    int newlines = 0;
    while (at > 0 && (text_[at - 1] == ' ' || text_[at - 1] == '\t' || text_[at - 1] == '\n' || text_[at - 1] == '\r')) {
      if (text_[at - 1] == '\n') ++newlines;
      --at;
    }
    if (at > 0 && (text_[at - 1] == '-' || text_[at - 1] == ':')) return mark.line + 1 - newlines;
    return line_of(mark);
  }

  std::string_view text_;
  YamlTree& tree_;
  std::vector<YamlProblem>& problems_;
  const uint64_t limit_;
  uint64_t total_expanded_ = 0;
  std::vector<uint64_t> expanded_;  // per node, its weight with everything below it; 0 while still open
  std::vector<Open> open_;
  std::vector<uint32_t> anchor_nodes_;  // by yaml-cpp anchor id
  std::vector<std::string> anchor_names_;
  std::string pending_anchor_name_;
};

namespace {

int line_at(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// YAML 1.2.2, 5.1: a stream is Unicode text of c-printable characters
// (tab, newline, return, and no other C0 or C1 control but NEL; no DEL, no
// U+FFFE/U+FFFF). Returns the problem, if any.
std::optional<YamlProblem> check_characters(std::string_view text) {
  if (const size_t bad = invalid_utf8_offset(text); bad != std::string_view::npos) {
    return YamlProblem{line_at(text, bad), fmt::format("byte {:#04x} is not UTF-8; a YAML file must be UTF-8 text",
                                                       static_cast<unsigned>(static_cast<unsigned char>(text[bad])))};
  }
  for (size_t at = 0; at < text.size(); ++at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    const bool c0 = byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r';
    // In valid UTF-8, C1 controls are 0xC2 0x80-0x9F; U+FFFE/U+FFFF are EF BF BE/BF.
    const bool c1 = byte == 0xC2 && at + 1 < text.size() && static_cast<unsigned char>(text[at + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[at + 1]) <= 0x9F && static_cast<unsigned char>(text[at + 1]) != 0x85;
    const bool nonchar = byte == 0xEF && at + 2 < text.size() && static_cast<unsigned char>(text[at + 1]) == 0xBF &&
                         static_cast<unsigned char>(text[at + 2]) >= 0xBE;
    if (c0 || byte == 0x7F || c1 || nonchar) {
      const size_t length = c1 ? 2 : nonchar ? 3 : 1;
      return YamlProblem{line_at(text, at), fmt::format("character '{}' is not allowed in YAML text",
                                                        escape_for_display(text.substr(at, length)))};
    }
  }
  return std::nullopt;
}

}  // namespace

YamlParse parse_yaml(std::string_view text) {
  YamlParse out;
  if (auto problem = check_characters(text)) {
    out.problems.push_back(std::move(*problem));
    return out;
  }
  auto tree = std::make_unique<YamlTree>();
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  YamlTreeBuilder builder(text, *tree, out.problems);
  bool fatal = true;
  try {
    if (parser.HandleNextDocument(builder)) {
      SecondDocumentProbe probe;
      parser.HandleNextDocument(probe);
    }
    fatal = false;
  } catch (const SecondDocument& second) {
    out.problems.push_back(YamlProblem{
        second.line, "a second YAML document starts here; a file holds one document (remove the '---' or split the file)"});
  } catch (const StopParsing&) {
    // the problem is recorded
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp bounds nesting (its parser recurses) but words it "bad file".
    out.problems.push_back(YamlProblem{line_of(e.mark), fmt::format("nested deeper than yaml-cpp reads (about {} "
                                                                    "levels)", e.depth())});
  } catch (const YAML::Exception& e) {
    out.problems.push_back(YamlProblem{line_of(e.mark), "not valid YAML: " + e.msg});
  }
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const YamlProblem& a, const YamlProblem& b) { return a.line < b.line; });
  if (!fatal) out.tree = std::move(tree);
  return out;
}

std::optional<std::string> not_a_scalar(const YamlNode& node, const std::string& what) {
  if (node.is_scalar()) return std::nullopt;
  if (node.is_null()) return fmt::format("{} is empty", what);
  return fmt::format("{} must be a single value, not {}", what, node.is_map() ? "a mapping" : "a list");
}

std::vector<std::pair<YamlNode, std::string>> unknown_keys(const YamlNode& map, const std::string& what,
                                                           std::initializer_list<const char*> allowed) {
  std::vector<std::pair<YamlNode, std::string>> out;
  for (const auto& [key_node, value] : map.entries()) {
    const std::string& key = key_node.scalar();
    if (std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    out.emplace_back(key_node, fmt::format("{}: unknown key '{}' (expected one of: {})", what, key, list));
  }
  return out;
}

}  // namespace smmuman::input
