// lcr: legal case retrieval by generation. Dispatches to the registered subcommands.
#include <algorithm>
#include <cstdio>
#include <iostream>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "command.h"
#include "lcr/core/error.h"

namespace po = boost::program_options;

namespace lcr::cli {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

Registrar::Registrar(std::string path, std::string summary, CommandFn fn) {
  registry().push_back({std::move(path), std::move(summary), std::move(fn)});
}

bool parse_options(const std::string& command, const Args& args,
                   po::options_description& desc, po::variables_map& vm,
                   const po::positional_options_description* pos) {
  desc.add_options()("help,h", "show this help");
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (pos) parser.positional(*pos);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: lcr " << command << " [options]\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::ostringstream os;
    os << "lcr " << command << ": " << e.what() << "\n\n" << desc;
    throw UsageError(os.str());
  }
  return true;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto at = static_cast<size_t>(q * static_cast<double>(v.size()));
  return v[std::min(v.size() - 1, at)];
}

std::string per_query_summary(const std::vector<double>& seconds) {
  if (seconds.empty()) return "";
  double sum = 0;
  for (double x : seconds) sum += x;
  char buf[128];
  std::snprintf(buf, sizeof buf, "per query: median %.3f s, p95 %.3f s, mean %.3f s",
                percentile(seconds, 0.5), percentile(seconds, 0.95),
                sum / static_cast<double>(seconds.size()));
  return buf;
}

}  // namespace lcr::cli

namespace {

void print_usage() {
  std::cout << "usage: lcr <command> [options]   (lcr <command> --help for its options)\n\n"
               "commands:\n";
  auto cmds = lcr::cli::registry();
  std::sort(cmds.begin(), cmds.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& c : cmds) std::printf("  %-22s %s\n", c.path.c_str(), c.summary.c_str());
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // libtorch allocates and frees tensors of a few MB at every training and decoding step.
  // glibc serves blocks that large with mmap and unmaps them at free, so every step
  // page-faults them in again (47M minor faults in a 44-minute LeCaRD training run). Serving
  // blocks up to 32 MiB from the heap, and trimming it only past 1 GiB, keeps them mapped: 20x
  // fewer page faults, 17% more training steps a minute on 2 cores (249 vs 212 in 90 s), 2%
  // more peak RSS (docs/model.md, "Allocator").
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    print_usage();
    return words.empty() ? 2 : 0;
  }
  // Longest command path that prefixes the words.
  const lcr::cli::Command* best = nullptr;
  size_t best_len = 0;
  for (const auto& c : lcr::cli::registry()) {
    std::vector<std::string> parts;
    std::istringstream ss(c.path);
    for (std::string w; ss >> w;) parts.push_back(w);
    if (parts.size() > words.size() || parts.size() <= best_len) continue;
    if (std::equal(parts.begin(), parts.end(), words.begin())) {
      best = &c;
      best_len = parts.size();
    }
  }
  if (!best) {
    std::cerr << "lcr: unknown command '" << words[0] << (words.size() > 1 ? " " + words[1] : "")
              << "'\n\n";
    print_usage();
    return 2;
  }
  try {
    return best->run(std::vector<std::string>(words.begin() + static_cast<long>(best_len),
                                              words.end()));
  } catch (const lcr::cli::UsageError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const lcr::Error& e) {
    std::cerr << "lcr " << best->path << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "lcr " << best->path << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "lcr " << best->path << ": internal error: " << e.what() << "\n";
    return 1;
  }
}
