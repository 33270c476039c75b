// The `lcr` command table. Each subcommand lives in its own cmd_*.cc and registers itself
// with LCR_COMMAND; main() dispatches on the longest matching word path ("index build").
// A command parses its own options (boost::program_options), calls the libraries and
// reports; it throws lcr::Error for user errors and main() turns that into a message and
// exit status 1 (2 for bad usage).
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

namespace lcr::cli {

using Args = std::vector<std::string>;
using CommandFn = std::function<int(const Args&)>;

struct Command {
  std::string path;     // "index build"
  std::string summary;  // one line for `lcr --help`
  CommandFn run;
};

std::vector<Command>& registry();

struct Registrar {
  Registrar(std::string path, std::string summary, CommandFn fn);
};

/// Thrown for bad command-line usage: main() prints it with the command's help, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses `args` into `vm` with `desc` (and positional `pos`); prints help and returns
/// false on --help. Unknown options and bad values throw UsageError naming the option.
bool parse_options(const std::string& command, const Args& args,
                   boost::program_options::options_description& desc,
                   boost::program_options::variables_map& vm,
                   const boost::program_options::positional_options_description* pos = nullptr);

/// The q-quantile (0..1) of `v`, nearest rank; 0 for an empty vector.
double percentile(std::vector<double> v, double q);
/// "per query: median 0.412 s, p95 1.203 s, mean 0.530 s": what a batch command prints of its
/// per-query wall times (empty for none).
std::string per_query_summary(const std::vector<double>& seconds);

}  // namespace lcr::cli

#define LCR_CONCAT_(a, b) a##b
#define LCR_CONCAT(a, b) LCR_CONCAT_(a, b)
/// LCR_COMMAND("index build", "Build an FM-index over a corpus", run_index_build);
#define LCR_COMMAND(path, summary, fn) \
  static ::lcr::cli::Registrar LCR_CONCAT(lcr_registrar_, __LINE__)(path, summary, fn)
