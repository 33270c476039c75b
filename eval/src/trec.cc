#include "lcr/eval/trec.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "lcr/core/error.h"

namespace lcr::eval {
namespace {

// Splits a line on spaces and tabs.
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

[[noreturn]] void fail(const std::string& origin, uint64_t line_no, const std::string& what) {
  throw Error(origin + ":" + std::to_string(line_no) + ": " + what);
}

// Reads lines, skipping blank and '#' ones; calls fn(fields, line_no) for the others.
template <typename Fn>
void for_each_record(std::istream& in, const std::string& origin, Fn fn) {
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    auto f = fields_of(line);
    if (f.empty() || f[0][0] == '#') continue;
    fn(f, line_no);
  }
  if (in.bad()) throw Error(origin + ": read error");
}

int parse_grade(const std::string& s, const std::string& origin, uint64_t line_no) {
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE || v < -1000000 || v > 1000000)
    fail(origin, line_no, "relevance grade '" + s + "' is not an integer");
  return static_cast<int>(v);
}

double parse_score(const std::string& s, const std::string& origin, uint64_t line_no) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v))
    fail(origin, line_no, "score '" + s + "' is not a finite number");
  return v;
}

template <typename T, typename Parse>
T read_with(const std::string& path, Parse parse) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open for reading");
  return parse(in, path);
}

}  // namespace

Qrels parse_qrels(std::istream& in, const std::string& origin) {
  Qrels q;
  for_each_record(in, origin, [&](const std::vector<std::string>& f, uint64_t line_no) {
    if (f.size() != 4)
      fail(origin, line_no, "expected 4 fields 'qid iter docid grade' in a qrels line, got " +
                                std::to_string(f.size()));
    q[f[0]][f[2]] = parse_grade(f[3], origin, line_no);
  });
  return q;
}

Qrels read_qrels(const std::string& path) { return read_with<Qrels>(path, parse_qrels); }

Run parse_run(std::istream& in, const std::string& origin) {
  Run run;
  // qid -> docid -> index in its ranking, to find duplicates.
  std::map<std::string, std::unordered_map<std::string, size_t>> seen;
  for_each_record(in, origin, [&](const std::vector<std::string>& f, uint64_t line_no) {
    if (f.size() != 6)
      fail(origin, line_no, "expected 6 fields 'qid Q0 docid rank score tag' in a run line, got " +
                                std::to_string(f.size()));
    const double score = parse_score(f[4], origin, line_no);
    auto& ranking = run.rankings[f[0]];
    auto [it, fresh] = seen[f[0]].emplace(f[2], ranking.size());
    if (fresh) {
      ranking.push_back({f[2], score});
      return;
    }
    ++run.duplicates;
    if (run.duplicate_queries.empty() || run.duplicate_queries.back() != f[0])
      run.duplicate_queries.push_back(f[0]);
    auto& kept = ranking[it->second];
    kept.score = std::max(kept.score, score);
  });
  std::sort(run.duplicate_queries.begin(), run.duplicate_queries.end());
  run.duplicate_queries.erase(
      std::unique(run.duplicate_queries.begin(), run.duplicate_queries.end()),
      run.duplicate_queries.end());
  for (auto& [qid, ranking] : run.rankings) sort_trec_order(ranking);
  return run;
}

Run read_run(const std::string& path) { return read_with<Run>(path, parse_run); }

PairSet parse_pairs(std::istream& in, const std::string& origin) {
  PairSet p;
  for_each_record(in, origin, [&](const std::vector<std::string>& f, uint64_t line_no) {
    if (f.size() != 2)
      fail(origin, line_no, "expected 2 fields 'qid<TAB>docid', got " + std::to_string(f.size()));
    p[f[0]].insert(f[1]);
  });
  return p;
}

PairSet read_pairs(const std::string& path) { return read_with<PairSet>(path, parse_pairs); }

void sort_trec_order(std::vector<RunEntry>& ranking) {
  std::stable_sort(ranking.begin(), ranking.end(), [](const RunEntry& a, const RunEntry& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.docid > b.docid;
  });
}

uint64_t drop_pairs(Run& run, const PairSet& drop) {
  uint64_t removed = 0;
  for (auto& [qid, ranking] : run.rankings) {
    auto d = drop.find(qid);
    if (d == drop.end()) continue;
    const size_t before = ranking.size();
    ranking.erase(std::remove_if(ranking.begin(), ranking.end(),
                                 [&](const RunEntry& e) { return d->second.count(e.docid) > 0; }),
                  ranking.end());
    removed += before - ranking.size();
  }
  return removed;
}

PoolStats restrict_to_pools(Run& run, const PairSet& pools) {
  PoolStats st;
  for (auto& [qid, ranking] : run.rankings) {
    auto p = pools.find(qid);
    if (p == pools.end()) {
      st.removed += ranking.size();
      ranking.clear();
      st.queries_without_pool.push_back(qid);
      continue;
    }
    const size_t before = ranking.size();
    ranking.erase(std::remove_if(ranking.begin(), ranking.end(),
                                 [&](const RunEntry& e) { return p->second.count(e.docid) == 0; }),
                  ranking.end());
    st.removed += before - ranking.size();
  }
  return st;
}

void write_run_lines(std::ostream& out, const std::string& qid,
                     const std::vector<RunEntry>& ranking, const std::string& tag) {
  char buf[64];
  for (size_t i = 0; i < ranking.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.6f", ranking[i].score);
    out << qid << " Q0 " << ranking[i].docid << " " << (i + 1) << " " << buf << " " << tag
        << "\n";
  }
}

}  // namespace lcr::eval
