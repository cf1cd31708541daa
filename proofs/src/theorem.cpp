#include "smmuman/proofs/theorem.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace smmuman::proofs {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::proved:
      return "proved";
    case Verdict::counterexample:
      return "counterexample";
    case Verdict::vacuous:
      return "vacuous";
    case Verdict::unknown:
      return "unknown";
  }
  return "?";
}

std::string z3_version() {
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  return fmt::format("z3 {}.{}.{}", major, minor, build);
}

namespace {

// Runs `argv` and returns its standard output, or nullopt when it cannot be run.
// posix_spawn rather than fork: queries run on several threads, and libz3's
// fork handlers deadlock when two threads fork at once. The pipe is
// close-on-exec so that a program another thread starts does not hold it open.
std::optional<std::string> capture(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return std::nullopt;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    close(out[0]);
    close(out[1]);
    return std::nullopt;
  }
  close(out[1]);
  std::string text;
  std::array<char, 4096> buffer;
  for (ssize_t n; (n = read(out[0], buffer.data(), buffer.size())) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buffer.data(), static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) return std::nullopt;
  return text;
}

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

// A file name for a theorem id: letters, digits, '.', '-' and '_' kept.
std::string file_stem(const std::string& id) {
  std::string out;
  for (char ch : id) {
    const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                      ch == '-' || ch == '_';
    out += keep ? ch : '_';
  }
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// The query as an SMT-LIB2 script: declarations, assertions, (check-sat).
std::string smtlib_of(const z3::solver& solver) {
  std::string text = "(set-logic QF_BV)\n" + const_cast<z3::solver&>(solver).to_smt2();
  if (text.find("(check-sat)") == std::string::npos) text += "(check-sat)\n";
  return text;
}

std::optional<Verdict> cvc5_verdict(const std::string& program, const std::filesystem::path& file, unsigned timeout_ms,
                                    std::string& error) {
  const auto out = capture({program, "--lang=smt2", fmt::format("--tlimit={}", timeout_ms), file.string()});
  if (!out) {
    error = fmt::format("cannot run '{}'", program);
    return std::nullopt;
  }
  const std::string line = first_line(*out);
  if (line == "unsat") return Verdict::proved;  // as a refutation query: no counterexample
  if (line == "sat") return Verdict::counterexample;
  if (line == "unknown") return Verdict::unknown;
  error = fmt::format("{} on {}: {}", program, file.string(), line.substr(0, 200));
  return std::nullopt;
}

}  // namespace

std::string cvc5_version(const std::string& program) {
  const auto out = capture({program, "--version"});
  if (!out) return "";
  // "This is cvc5 version 1.0.3 ..."
  const std::string line = first_line(*out);
  const auto at = line.find("version ");
  if (at == std::string::npos) return "";
  std::string version = line.substr(at + 8);
  version = version.substr(0, version.find(' '));
  return "cvc5 " + version;
}

uint64_t value_of(const z3::model& model, const z3::expr& constant) {
  const z3::expr v = model.eval(constant, true);
  uint64_t out = 0;
  if (v.is_numeral()) v.is_numeral_u64(out);
  return out;
}

std::vector<Outcome> run_in_parallel(const std::function<std::vector<Theorem>(z3::context&)>& build,
                                     const RunOptions& options, unsigned jobs) {
  jobs = std::max(jobs, 1u);
  std::vector<std::optional<Outcome>> done;
  std::mutex lock;
  std::atomic<size_t> next{0};
  std::exception_ptr failure;  // the first thread's exception, rethrown once all have stopped
  const auto work = [&] {
    try {
      z3::context ctx;
      const auto theorems = build(ctx);
      {
        const std::lock_guard<std::mutex> guard(lock);
        done.resize(theorems.size());
      }
      // Each thread takes the next theorem nobody has taken: the slow ones do not pile up on one thread.
      for (size_t i = next++; i < theorems.size(); i = next++) {
        Outcome o = run(theorems[i], options);
        const std::lock_guard<std::mutex> guard(lock);
        done[i] = std::move(o);
      }
    } catch (...) {
      const std::lock_guard<std::mutex> guard(lock);
      if (!failure) failure = std::current_exception();
      next = std::numeric_limits<size_t>::max() / 2;  // the others stop after their current theorem
    }
  };
  std::vector<std::thread> threads;
  for (unsigned job = 1; job < jobs; ++job) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  std::vector<Outcome> out;
  for (auto& o : done) out.push_back(std::move(*o));
  return out;
}

std::string hex_value(const z3::model& model, const z3::expr& constant) {
  return fmt::format("{:#x}", value_of(model, constant));
}

Outcome run(const Theorem& theorem, const RunOptions& options) {
  Outcome outcome;
  outcome.id = theorem.id;
  outcome.meaning = theorem.meaning;
  outcome.expect = theorem.expect;
  z3::context& ctx = theorem.premises.ctx();
  const auto start = std::chrono::steady_clock::now();

  z3::params params(ctx);
  params.set("timeout", options.timeout_ms);
  // Every query is quantifier-free bit-vector logic: QF_BV's solver
  // (simplify, bit-blast, SAT) decides it.
  z3::solver premises(ctx, "QF_BV");
  premises.set(params);
  premises.add(theorem.premises);
  z3::solver refutation(ctx, "QF_BV");
  refutation.set(params);
  refutation.add(theorem.premises);
  refutation.add(!theorem.claim);

  std::optional<std::string> ground_failure;
  outcome.ground_checked = static_cast<bool>(theorem.ground);
  if (theorem.ground) ground_failure = theorem.ground();
  const z3::check_result satisfiable = ground_failure ? z3::sat : premises.check();
  if (ground_failure) {
    outcome.verdict = Verdict::counterexample;
    outcome.counterexample = *ground_failure;
  } else if (satisfiable == z3::unsat) {
    outcome.verdict = Verdict::vacuous;
  } else if (satisfiable == z3::unknown) {
    outcome.verdict = Verdict::unknown;
  } else {
    switch (refutation.check()) {
      case z3::unsat:
        outcome.verdict = Verdict::proved;
        break;
      case z3::sat:
        outcome.verdict = Verdict::counterexample;
        outcome.counterexample = theorem.explain ? theorem.explain(refutation.get_model()) : "";
        break;
      case z3::unknown:
        outcome.verdict = Verdict::unknown;
        break;
    }
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.as_expected =
      theorem.expect == Expect::proof ? outcome.verdict == Verdict::proved : outcome.verdict == Verdict::counterexample;

  if (options.smtlib_dir.empty() && !options.cross_check) return outcome;
  std::filesystem::path dir = options.smtlib_dir;
  std::optional<std::filesystem::path> scratch;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "smmuman-prove-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot make a scratch directory for SMT-LIB2 queries");
    dir = pattern;
    scratch = dir;
  }
  std::filesystem::create_directories(dir);
  const std::string stem = file_stem(theorem.id);
  const auto premises_file = dir / (stem + ".premises.smt2");
  const auto query_file = dir / (stem + ".smt2");
  write_file(premises_file,
             fmt::format("; {}: are the premises satisfiable? (sat expected)\n{}", theorem.id, smtlib_of(premises)));
  const std::string ground_note =
      !theorem.ground ? ""
      : ground_failure
          ? "; the lemma this theorem rests on; its premises were checked of each concrete run outside the solver, and "
            "one FAILED (the run's output names it): the theorem is refuted whatever this query says\n"
          : "; the lemma this theorem rests on; its premises were checked of each concrete run outside the solver, and "
            "all held\n";
  write_file(query_file, fmt::format("; {}: {}\n{}; unsat = proved, sat = counterexample\n{}", theorem.id,
                                     theorem.meaning, ground_note, smtlib_of(refutation)));
  if (options.cross_check && !ground_failure) {  // a ground failure is not the solvers' to judge
    std::string error;
    const auto on_premises = cvc5_verdict(options.cvc5, premises_file, options.timeout_ms, error);
    std::optional<Verdict> verdict;
    if (on_premises == Verdict::proved) {
      verdict = Verdict::vacuous;  // unsat premises
    } else if (on_premises == Verdict::counterexample) {
      verdict = cvc5_verdict(options.cvc5, query_file, options.timeout_ms, error);
    } else if (on_premises) {
      verdict = Verdict::unknown;
    }
    outcome.cross_check = verdict;
    outcome.cross_check_error = error;
    outcome.solvers_agree = verdict && *verdict == outcome.verdict;
  }
  if (scratch) std::filesystem::remove_all(*scratch);
  return outcome;
}

nlohmann::json to_json(const Outcome& o, const std::string& solver) {
  nlohmann::json j = {{"query", o.id},
                      {"meaning", o.meaning},
                      {"kind", o.expect == Expect::proof ? "theorem" : "mutant"},
                      {"solver", solver},
                      {"result", to_string(o.verdict)},
                      {"expected", o.expect == Expect::proof ? "proved" : "counterexample"},
                      {"ok", o.as_expected && o.solvers_agree},
                      {"method", o.ground_checked ? "lemma proved by the solver, premises checked per run" : "solver"},
                      {"seconds", o.seconds}};
  if (!o.counterexample.empty()) j["counterexample"] = o.counterexample;
  if (o.cross_check) j["cross_check"] = to_string(*o.cross_check);
  if (!o.cross_check_error.empty()) j["cross_check_error"] = o.cross_check_error;
  return j;
}

bool all_as_expected(const std::vector<Outcome>& outcomes) {
  for (const auto& o : outcomes) {
    if (!o.as_expected || !o.solvers_agree) return false;
  }
  return true;
}

std::string render_table(const std::vector<Outcome>& outcomes) {
  std::string out = fmt::format("{:<4} {:<15} {:>8}  {}\n", "ok", "result", "seconds", "query — meaning");
  size_t theorems = 0, mutants = 0, failed = 0;
  double total = 0;
  for (const auto& o : outcomes) {
    const bool ok = o.as_expected && o.solvers_agree;
    (o.expect == Expect::proof ? theorems : mutants)++;
    failed += ok ? 0 : 1;
    total += o.seconds;
    std::string result = to_string(o.verdict);
    if (o.cross_check) result += o.solvers_agree ? "" : fmt::format(" (cvc5: {})", to_string(*o.cross_check));
    out += fmt::format("{:<4} {:<15} {:>8.3f}  {} — {}{}\n", ok ? "ok" : "FAIL", result, o.seconds, o.id, o.meaning,
                       o.expect == Expect::counterexample ? " [mutant: a counterexample is expected]" : "");
    if (!o.cross_check_error.empty()) out += "       cvc5: " + o.cross_check_error + "\n";
    // A mutant's counterexample is what it exists for; a theorem's is a failure.
    if (!o.counterexample.empty() && (!ok || o.expect == Expect::counterexample)) {
      size_t from = 0;
      while (from < o.counterexample.size()) {
        const auto end = o.counterexample.find('\n', from);
        out += "       " + o.counterexample.substr(from, end - from) + "\n";
        if (end == std::string::npos) break;
        from = end + 1;
      }
    }
  }
  out += fmt::format("{} theorems, {} mutants, {} not as expected, {:.2f} s\n", theorems, mutants, failed, total);
  return out;
}

}  // namespace smmuman::proofs
