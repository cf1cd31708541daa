// The YAML tree: every node knows its line, an item reached through an alias
// names the alias's line, and what a configuration must not be (a second
// document, a repeated key, a runaway or cyclic alias, text YAML forbids) is
// refused with the line.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "smmuman/input/yaml_tree.hpp"

namespace smmuman::input {
namespace {

std::string problems_of(const YamlParse& p) {
  std::string out;
  for (const auto& problem : p.problems) out += std::to_string(problem.line) + ": " + problem.message + "\n";
  return out;
}

// Mappings, lists, values and empty values arrive with their lines.
TEST(YamlTree, NodesCarryTheirLines) {
  const YamlParse p = parse_yaml(
      "role: host\n"            // 1
      "units:\n"                // 2
      "  - name: a\n"           // 3
      "    registers: { base: 0x1000, size: 4K }\n"  // 4
      "  -\n"                   // 5
      "  - ~\n");               // 6
  ASSERT_TRUE(p.tree) << problems_of(p);
  EXPECT_TRUE(p.problems.empty()) << problems_of(p);
  const YamlNode root = p.root();
  ASSERT_TRUE(root.is_map());
  EXPECT_EQ(root.size(), 2u);
  EXPECT_EQ(root["role"].scalar(), "host");
  EXPECT_EQ(root["role"].line(), 1);
  EXPECT_FALSE(root["absent"]);
  const auto units = root["units"].items();
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].line(), 3);
  EXPECT_EQ(units[0]["registers"]["size"].scalar(), "4K");
  EXPECT_EQ(units[0]["registers"]["size"].line(), 4);
  EXPECT_TRUE(units[1].is_null());
  EXPECT_EQ(units[1].line(), 5) << "an empty item names its own dash, not the next token";
  EXPECT_TRUE(units[2].is_null());
  EXPECT_EQ(units[2].line(), 6);
}

// An item that is an alias reports the alias's line, and so does everything
// inside it; the outermost alias on the path wins.
TEST(YamlTree, AliasUseNamesTheLineOfTheUse) {
  const YamlParse p = parse_yaml(
      "anchors:\n"                                     // 1
      "  range: &r { base: 0x1000, size: 4K }\n"       // 2
      "  dev: &d\n"                                    // 3
      "    name: eth0\n"                               // 4
      "    mmio: *r\n"                                 // 5
      "devices:\n"                                     // 6
      "  - *d\n"                                       // 7
      "  - { name: eth1, mmio: *r }\n");               // 8
  ASSERT_TRUE(p.tree) << problems_of(p);
  const auto devices = p.root()["devices"].items();
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].line(), 7);
  EXPECT_EQ(devices[0]["name"].scalar(), "eth0");
  EXPECT_EQ(devices[0]["name"].line(), 7);
  EXPECT_EQ(devices[0]["mmio"]["size"].line(), 7) << "the outermost alias names the item";
  EXPECT_EQ(devices[1]["mmio"].line(), 8);
  EXPECT_EQ(devices[1]["mmio"]["base"].line(), 8);
  EXPECT_EQ(p.root()["anchors"]["range"]["base"].line(), 2) << "the anchor itself keeps its own line";
}

// A second document is refused at its start; an explicit start or end of the one document is fine.
TEST(YamlTree, OneDocumentOnly) {
  const YamlParse two = parse_yaml("role: host\n---\nrole: guest\n");
  EXPECT_FALSE(two.tree);
  ASSERT_EQ(two.problems.size(), 1u);
  EXPECT_EQ(two.problems[0].line, 2);
  EXPECT_EQ(two.problems[0].message.rfind("a second YAML document starts here", 0), 0u);

  const YamlParse empty_second = parse_yaml("role: host\n---\n");
  EXPECT_FALSE(empty_second.tree);
  EXPECT_EQ(empty_second.problems.size(), 1u);

  for (const char* fine : {"---\nrole: host\n", "role: host\n...\n", "---\nrole: host\n...\n# done\n"}) {
    const YamlParse p = parse_yaml(fine);
    EXPECT_TRUE(p.tree) << fine;
    EXPECT_TRUE(p.problems.empty()) << fine << problems_of(p);
    EXPECT_EQ(p.root()["role"].scalar(), "host");
  }
  const YamlParse nothing = parse_yaml("# only a comment\n");
  EXPECT_TRUE(nothing.problems.empty());
  EXPECT_FALSE(nothing.root());
}

// A key given twice is reported where it repeats, naming the first; the first value is kept.
TEST(YamlTree, RepeatedKeysAreProblems) {
  const YamlParse p = parse_yaml(
      "a: 1\n"        // 1
      "b: 2\n"        // 2
      "a: 3\n"        // 3
      "m: { x: 1, x: 2 }\n"   // 4
      "[1, 2]: 5\n"); // 5
  ASSERT_TRUE(p.tree);
  ASSERT_EQ(p.problems.size(), 3u) << problems_of(p);
  EXPECT_EQ(p.problems[0].line, 3);
  EXPECT_EQ(p.problems[0].message, "key 'a' is given twice in one mapping (first on line 1)");
  EXPECT_EQ(p.problems[1].line, 4);
  EXPECT_EQ(p.problems[2].line, 5);
  EXPECT_EQ(p.problems[2].message, "a key must be a plain value, not a list");
  EXPECT_EQ(p.root()["a"].scalar(), "1");
  EXPECT_EQ(p.root().size(), 3u) << "the repeat and the list key are left out";
}

// For any list of keys: each key's first value is kept and every repeat is reported at its own line.
RC_GTEST_PROP(YamlTree, KeepsFirstOfEachKeyAndReportsEveryRepeat, ()) {
  const auto keys = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 8));
  std::string text;
  std::map<int, int> first_value;
  size_t repeats = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    text += "k" + std::to_string(keys[i]) + ": " + std::to_string(i) + "\n";
    if (!first_value.emplace(keys[i], static_cast<int>(i)).second) ++repeats;
  }
  const YamlParse p = parse_yaml(text);
  RC_ASSERT(p.problems.size() == repeats);
  if (keys.empty()) return;
  RC_ASSERT(p.root().size() == first_value.size());
  for (const auto& [key, value] : first_value) RC_ASSERT(p.root()["k" + std::to_string(key)].scalar() == std::to_string(value));
  for (const auto& problem : p.problems) {
    RC_ASSERT(problem.line >= 1);
    RC_ASSERT(first_value.at(keys[static_cast<size_t>(problem.line - 1)]) != problem.line - 1);
  }
}

// Aliases that would expand the document past its linear bound are refused at the alias
// that crosses it ("billion laughs"); a cyclic alias is refused too.
TEST(YamlTree, RunawayAndCyclicAliasesAreRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  const YamlParse p = parse_yaml(bomb);
  EXPECT_FALSE(p.tree);
  ASSERT_EQ(p.problems.size(), 1u) << problems_of(p);
  EXPECT_NE(p.problems[0].message.find("expand it past"), std::string::npos) << problems_of(p);
  EXPECT_GT(p.problems[0].line, 1);

  const YamlParse cycle = parse_yaml("a: &a [1, *a]\n");
  EXPECT_FALSE(cycle.tree);
  ASSERT_EQ(cycle.problems.size(), 1u) << problems_of(cycle);
  EXPECT_EQ(cycle.problems[0].message, "alias '*a' refers to a node that contains it");
}

// An alias weighs what its text weighs: a long text used many times is
// refused, though each use is one node.
TEST(YamlTree, AliasesOfLongTextCountTheirBytes) {
  std::string text = "t: &t " + std::string(100000, 'x') + "\nuses:\n";
  for (int i = 0; i < 8; ++i) text += "  - *t\n";
  const YamlParse p = parse_yaml(text);
  EXPECT_FALSE(p.tree);
  ASSERT_EQ(p.problems.size(), 1u) << problems_of(p);
  EXPECT_EQ(p.problems[0].line, 6) << "the use that crosses four times the file's size";
  const YamlParse few = parse_yaml("t: &t " + std::string(100000, 'x') + "\nuses: [*t, *t]\n");
  EXPECT_TRUE(few.tree) << problems_of(few);
}

// Ordinary reuse of an anchor stays well inside the bound.
TEST(YamlTree, ModestAliasUseIsFine) {
  std::string text = "base: &m { base: 0x1000, size: 4K, perms: rw }\nitems:\n";
  for (int i = 0; i < 2000; ++i) text += "  - *m\n";
  const YamlParse p = parse_yaml(text);
  ASSERT_TRUE(p.tree) << problems_of(p);
  EXPECT_EQ(p.root()["items"].size(), 2000u);
  EXPECT_EQ(p.root()["items"].items()[1999]["perms"].line(), 2002);
}

// Text YAML forbids is refused with its line: bytes that are not UTF-8 and control characters.
TEST(YamlTree, ForbiddenCharactersAreRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"a: 1\nb: \xFF\n", "byte 0xff is not UTF-8; a YAML file must be UTF-8 text"},
      {"a: 1\nb: \"x\x01\"\n", "character '\\x01' is not allowed in YAML text"},
      {"a: 1\nb: x\x7F\n", "character '\\x7F' is not allowed in YAML text"},
      {"a: 1\nb: x\xC2\x9B\n", "character '\\u{009B}' is not allowed in YAML text"},
      {std::string("a: 1\nb: x\0\n", 11), "character '\\x00' is not allowed in YAML text"},
  };
  for (const auto& [text, message] : cases) {
    const YamlParse p = parse_yaml(text);
    EXPECT_FALSE(p.tree);
    ASSERT_EQ(p.problems.size(), 1u);
    EXPECT_EQ(p.problems[0].line, 2);
    EXPECT_EQ(p.problems[0].message, message);
  }
  const YamlParse fine = parse_yaml("name: \"Gr\xC3\xB6\xC3\x9F" "e\"\ntab: \"a\tb\"\n");
  EXPECT_TRUE(fine.problems.empty()) << "tabs and ordinary UTF-8 are allowed: " << problems_of(fine);
  EXPECT_EQ(fine.root()["tab"].scalar(), "a\tb");
}

// Bad syntax is one problem at its line.
TEST(YamlTree, SyntaxErrorNamesItsLine) {
  const YamlParse p = parse_yaml("a: 1\nb: [1, 2\nc: 3\n");
  EXPECT_FALSE(p.tree);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].message.rfind("not valid YAML: ", 0), 0u);
  EXPECT_GE(p.problems[0].line, 2);
}

// Nesting deeper than the parser reads is one problem saying so, not a crash or "bad file".
TEST(YamlTree, DeepNestingIsRefusedClearly) {
  const YamlParse p = parse_yaml("role: " + std::string(100000, '[') + std::string(100000, ']') + "\n");
  EXPECT_FALSE(p.tree);
  ASSERT_EQ(p.problems.size(), 1u) << problems_of(p);
  EXPECT_EQ(p.problems[0].message.rfind("nested deeper than yaml-cpp reads", 0), 0u) << problems_of(p);
}

}  // namespace
}  // namespace smmuman::input
