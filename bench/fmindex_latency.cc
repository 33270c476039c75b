// Latency table for the FM-index query API on a built index: for prefixes of length 1..8
// drawn from the corpus, the median and p99 of extend, can_follow (for the token that
// follows in the case, and for a corpus token that never follows the prefix), next_tokens
// (all and top-20) and locate (per occurrence). Prints a Markdown table.
//
//   fmindex_latency --index DIR [--samples 2000] [--seed 1] [--dump-tokens FILE]
//
// --dump-tokens writes the corpus token stream as 2-byte big-endian ids (for comparing the
// index size with zstd/xz of the raw tokens; bench/fmindex_build.sh does that).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "lcr/core/error.h"
#include "lcr/fmindex/index.h"

using namespace lcr;
using Clock = std::chrono::steady_clock;

namespace {

struct Stat {
  std::vector<double> ns;
  void add(Clock::time_point a, Clock::time_point b) {
    ns.push_back(std::chrono::duration<double, std::nano>(b - a).count());
  }
  double pct(double q) {
    if (ns.empty()) return 0;
    std::sort(ns.begin(), ns.end());
    return ns[std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size())))];
  }
};

std::string us(double ns) {
  char b[32];
  std::snprintf(b, sizeof b, ns < 10000 ? "%.2f" : "%.0f", ns / 1000);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, dump;
  size_t samples = 2000;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--index")
      dir = argv[i + 1];
    else if (k == "--samples")
      samples = std::stoul(argv[i + 1]);
    else if (k == "--seed")
      seed = static_cast<unsigned>(std::stoul(argv[i + 1]));
    else if (k == "--dump-tokens")
      dump = argv[i + 1];
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: fmindex_latency --index DIR [--samples N] [--dump-tokens F]\n");
    return 2;
  }
  try {
    auto idx = fm::Index::open(dir);
    const auto& f = idx.fm();
    std::mt19937 rng(seed);
    // Draws the non-following tokens; separate so that the prefixes stay those of `rng`.
    std::mt19937 rng_absent(seed + 1);
    // Tokenize a sample of cases to draw prefixes from (and optionally dump all tokens).
    std::vector<std::vector<int32_t>> cases;
    const uint32_t n = idx.num_cases();
    std::ofstream out;
    if (!dump.empty()) out.open(dump, std::ios::binary);
    for (uint32_t d = 0; d < n; ++d) {
      bool keep = cases.size() < 300 && rng() % std::max<uint32_t>(1, n / 300) == 0;
      if (!keep && dump.empty()) continue;
      auto ids = idx.encode(idx.get_case(d).text);
      if (!dump.empty())
        for (int32_t t : ids) {
          out.put(static_cast<char>((t + 2) >> 8));
          out.put(static_cast<char>((t + 2) & 0xFF));
        }
      if (keep) cases.push_back(std::move(ids));
    }
    std::printf("index %s: %llu tokens, %u cases, sample rate %u, %zu prefixes per length\n\n",
                dir.c_str(), static_cast<unsigned long long>(f.num_tokens()), f.num_cases(),
                f.sample_rate(), samples);
    std::printf(
        "| prefix len | mean count | extend µs p50/p99 | can_follow µs p50/p99 | "
        "can_follow (absent) µs p50/p99 | next_tokens µs p50/p99 | mean successors | "
        "top-20 µs p50/p99 | locate µs/occ p50/p99 |\n"
        "|---|---|---|---|---|---|---|---|---|\n");
    std::vector<fm::TokenCount> next;
    std::vector<fm::Occurrence> occ;
    for (uint32_t len = 1; len <= 8; ++len) {
      Stat ext, can, absent, nxt, top, loc;
      double count_sum = 0, succ_sum = 0;
      size_t done = 0;
      while (done < samples) {
        const auto& c = cases[rng() % cases.size()];
        if (c.size() <= len) continue;
        size_t at = rng() % (c.size() - len);
        std::vector<int32_t> p(c.begin() + static_cast<long>(at),
                               c.begin() + static_cast<long>(at + len));
        auto prev = f.find(std::vector<int32_t>(p.begin(), p.end() - 1));
        auto t0 = Clock::now();
        auto s = f.extend(prev, p.back());
        auto t1 = Clock::now();
        ext.add(t0, t1);
        // can_follow for a token that follows: the next token of the case.
        int32_t follower = c[at + len];
        t0 = Clock::now();
        volatile bool ok = f.can_follow(s, follower);
        t1 = Clock::now();
        (void)ok;
        can.add(t0, t1);
        // can_follow for a token that does not follow, the common answer while decoding: a
        // corpus token (frequent ones drawn more often), timed only if it turns out absent.
        // It runs after the call above on the same state, as a decoder checks several tokens
        // against one state: the tree levels that both paths share are cached.
        const auto& other = cases[rng_absent() % cases.size()];
        const int32_t candidate = other.empty() ? -1 : other[rng_absent() % other.size()];
        const auto a0 = Clock::now();
        volatile bool follows = candidate >= 0 && f.can_follow(s, candidate);
        const auto a1 = Clock::now();
        (void)follows;
        t0 = Clock::now();
        f.next_tokens(s, &next);
        t1 = Clock::now();
        nxt.add(t0, t1);
        succ_sum += static_cast<double>(next.size());
        if (candidate >= 0 && std::none_of(next.begin(), next.end(), [&](const fm::TokenCount& x) {
              return x.token == candidate;
            }))
          absent.add(a0, a1);
        t0 = Clock::now();
        f.next_tokens_topk(s, 20, &next);
        t1 = Clock::now();
        top.add(t0, t1);
        const size_t lim = 100;
        t0 = Clock::now();
        f.locate(s, lim, &occ);
        t1 = Clock::now();
        if (!occ.empty())
          loc.ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() /
                           static_cast<double>(occ.size()));
        count_sum += static_cast<double>(s.count());
        ++done;
      }
      std::printf(
          "| %u | %.0f | %s / %s | %s / %s | %s / %s | %s / %s | %.0f | %s / %s | %s / %s |\n", len,
          count_sum / static_cast<double>(done), us(ext.pct(.5)).c_str(), us(ext.pct(.99)).c_str(),
          us(can.pct(.5)).c_str(), us(can.pct(.99)).c_str(), us(absent.pct(.5)).c_str(),
          us(absent.pct(.99)).c_str(), us(nxt.pct(.5)).c_str(), us(nxt.pct(.99)).c_str(),
          succ_sum / static_cast<double>(done), us(top.pct(.5)).c_str(), us(top.pct(.99)).c_str(),
          us(loc.pct(.5)).c_str(), us(loc.pct(.99)).c_str());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "fmindex_latency: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
