// `smmuman prove` end to end: the shipped examples are proved; every broken
// configuration that says what the prover must find (`# expect-proof: QUERY:
// TEXT`) fails that query with that text; --json, --smtlib and --cross-check
// do what they say, and a second solver that disagrees fails the run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_command.hpp"

namespace {

namespace fs = std::filesystem;
using smmuman::test::CommandResult;

std::string src(const std::string& path) { return std::string(SMMUMAN_SOURCE_DIR) + "/" + path; }

CommandResult prove(const std::string& args) {
  return smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " prove " + args);
}

const char* const kExamples[] = {"examples/arm-smmuv3-two-vms/host.yaml",
                                 "examples/arm-smmuv3-two-vms/guest-vm-net.yaml", "examples/zynqmp-mmu500/host.yaml",
                                 "examples/qnx/imx8-mmu500.smmu"};

TEST(SmmumanProve, EveryExampleIsProved) {
  for (const char* example : kExamples) {
    const CommandResult r = prove(src(example));
    EXPECT_EQ(r.exit_code, 0) << example << "\n" << r.output;
    EXPECT_NE(r.output.find(": PROVED"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;
  }
}

// Each `# expect-proof: QUERY: TEXT` of the broken configurations.
TEST(SmmumanProve, BrokenConfigurationsFailWithTheirCounterexample) {
  size_t expectations = 0;
  for (const auto& entry : fs::directory_iterator(src("tests/config/data"))) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      const std::string tag = "# expect-proof: ";
      if (line.rfind(tag, 0) != 0) continue;
      const std::string rest = line.substr(tag.size());
      const auto colon = rest.find(": ");
      ASSERT_NE(colon, std::string::npos) << entry.path() << ": " << line;
      const std::string query = rest.substr(0, colon), text = rest.substr(colon + 2);
      // Run from the file's directory so the counterexample names it as the test expects.
      const CommandResult r = smmuman::test::run_command("cd " + entry.path().parent_path().string() + " && " +
                                                         SMMUMAN_BINARY + " prove " + entry.path().filename().string());
      EXPECT_EQ(r.exit_code, 1) << entry.path() << "\n" << r.output;
      EXPECT_NE(r.output.find("FAIL counterexample"), std::string::npos) << entry.path() << "\n" << r.output;
      EXPECT_NE(r.output.find(query + " — "), std::string::npos) << entry.path() << "\n" << r.output;
      EXPECT_NE(r.output.find(text), std::string::npos) << entry.path() << ": expected '" << text << "' in\n"
                                                        << r.output;
      EXPECT_NE(r.output.find("NOT PROVED"), std::string::npos) << r.output;
      ++expectations;
    }
  }
  EXPECT_GE(expectations, 10u);
}

// One JSON object per query, then a summary.
TEST(SmmumanProve, JsonHasOneObjectPerQueryThenASummary) {
  const CommandResult r = prove("--json " + src(kExamples[0]));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::vector<nlohmann::json> objects;
  for (std::string line; std::getline(lines, line);) objects.push_back(nlohmann::json::parse(line));
  ASSERT_GE(objects.size(), 2u);
  for (size_t i = 0; i + 1 < objects.size(); ++i) {
    const auto& o = objects[i];
    for (const char* key : {"query", "meaning", "solver", "result", "seconds", "ok"}) {
      EXPECT_TRUE(o.contains(key)) << key << " missing: " << o.dump();
    }
    EXPECT_EQ(o["result"], "proved") << o.dump();
    EXPECT_EQ(o["solver"].get<std::string>().rfind("z3 ", 0), 0u) << o.dump();
  }
  const auto& summary = objects.back();
  EXPECT_EQ(summary["ok"], true);
  EXPECT_EQ(summary["queries"], objects.size() - 1);
}

// Every query is written out as SMT-LIB2, and cvc5 agrees with Z3 on each.
TEST(SmmumanProve, WritesSmtlibAndCvc5Agrees) {
  const fs::path dir = fs::temp_directory_path() / ("smmuman-prove-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const CommandResult r = prove("--smtlib " + dir.string() + " --cross-check " + src(kExamples[0]));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cross-checked with cvc5 "), std::string::npos) << r.output;
  size_t queries = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("(check-sat)"), std::string::npos) << entry.path();
    queries += entry.path().string().ends_with(".premises.smt2") ? 0 : 1;
  }
  EXPECT_GE(queries, 10u);
  fs::remove_all(dir);
}

// The cross-check can fail: a "solver" that finds a counterexample to
// everything disagrees with Z3, and the run says so and exits 1.
TEST(SmmumanProve, ADisagreeingSecondSolverFailsTheRun) {
  const fs::path fake = fs::temp_directory_path() / ("smmuman-fake-cvc5-" + std::to_string(getpid()));
  {
    std::ofstream out(fake);
    out << "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'This is cvc5 version 0.0.0-fake'; else echo sat; fi\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  const CommandResult r = prove("--cross-check --cvc5 " + fake.string() + " " + src(kExamples[0]));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("(cvc5: counterexample)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NOT PROVED"), std::string::npos) << r.output;
  fs::remove(fake);

  const CommandResult missing = prove("--cross-check --cvc5 /nonexistent/cvc5 " + src(kExamples[0]));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("cannot run '/nonexistent/cvc5'"), std::string::npos) << missing.output;
}

// The two-VM host brought up on the models: both SMMUv3 units' tables, read
// back by the models, hold only what the core granted, and every other
// stream aborts.
TEST(SmmumanProve, ValidatesTheProgrammedTranslations) {
  const CommandResult r = prove(src(kExamples[0]));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* unit : {"smmu-pcie", "smmu-soc"}) {
    for (const char* theorem : {"lands_in_allowed_memory", "within_grants", "closed_streams_abort"}) {
      const std::string id = std::string("translation.") + unit + "." + theorem + " — ";
      const auto at = r.output.find(id);
      ASSERT_NE(at, std::string::npos) << id << "\n" << r.output;
      const auto line_start = r.output.rfind('\n', at) + 1;
      EXPECT_EQ(r.output.compare(line_start, 4, "ok  "), 0) << r.output.substr(line_start, at - line_start + id.size());
    }
  }
  // 65,536 stream IDs of smmu-pcie (16 bits) were read.
  EXPECT_NE(r.output.find("(65536 streams read)"), std::string::npos) << r.output;
}

// --all: every mutant, including three corrupted descriptors of the
// programmed tables, has its counterexample, named in the user's terms.
TEST(SmmumanProve, EveryMutantIsCaught) {
  const CommandResult r = prove("--all --json " + src(kExamples[0]));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  size_t mutants = 0;
  std::vector<std::string> translation_mutants;
  for (std::string line; std::getline(lines, line);) {
    const auto o = nlohmann::json::parse(line);
    if (!o.contains("query")) continue;
    EXPECT_EQ(o["ok"], true) << o.dump();
    if (o["kind"] != "mutant") continue;
    ++mutants;
    EXPECT_EQ(o["result"], "counterexample") << o.dump();
    const std::string id = o["query"];
    if (id.rfind("translation.mutant.", 0) == 0) {
      translation_mutants.push_back(id);
      const std::string text = o["counterexample"];
      EXPECT_NE(text.find("stream 0x"), std::string::npos) << text;
      EXPECT_NE(text.find("descriptor at 0x"), std::string::npos) << text;
    }
  }
  EXPECT_GE(mutants, 28u);
  EXPECT_EQ(translation_mutants.size(), 3u);
}

// A file that cannot be read whole has nothing to prove, and says why.
TEST(SmmumanProve, UnreadableConfigurationIsAnError) {
  const CommandResult r = prove(src("tests/config/data/bad-yaml-syntax.yaml"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot be read whole"), std::string::npos) << r.output;
}

}  // namespace
