// TREC-format relevance judgments (qrels), runs and query/doc pair lists.
//
// qrels: `qid iter docid grade`, whitespace-separated, the second column ignored.
// run:   `qid Q0 docid rank score tag`; the rank column is ignored. Each query's ranking is
//        ordered as trec_eval orders it: score descending, ties broken by docid descending
//        (byte-wise string comparison), whatever order the lines come in.
//        A docid listed more than once for one query is kept once, with its highest score
//        (the first, best-ranked line); the other lines are dropped and counted in
//        Run::duplicates.
// pairs: `qid<TAB>docid` (any whitespace), one pair a line: pools and drop lists.
//
// Blank lines and lines starting with '#' are ignored everywhere. A malformed line throws
// lcr::Error("FILE:LINE: what is wrong").
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace lcr::eval {

/// Graded judgments: qid -> docid -> grade. Unjudged documents have grade 0.
using Qrels = std::map<std::string, std::unordered_map<std::string, int>>;

/// One retrieved document of a ranking.
struct RunEntry {
  std::string docid;
  double score = 0;
};

/// A run: each query's ranking, best first (trec_eval order, see above).
struct Run {
  std::map<std::string, std::vector<RunEntry>> rankings;
  uint64_t duplicates = 0;  // repeated (qid, docid) lines dropped while reading
  /// Queries with at least one duplicate, for warnings (sorted, distinct).
  std::vector<std::string> duplicate_queries;
};

/// qid -> set of docids: query pools, or pairs to drop from a run.
using PairSet = std::map<std::string, std::set<std::string>>;

/// Parses qrels from a stream; `origin` names it in error messages.
/// A (qid, docid) judged twice keeps the last grade read.
Qrels parse_qrels(std::istream& in, const std::string& origin);
/// Reads a qrels file; throws lcr::Error naming the file when it cannot be opened.
Qrels read_qrels(const std::string& path);

/// Parses a run (see the file comment for ordering and duplicates).
Run parse_run(std::istream& in, const std::string& origin);
Run read_run(const std::string& path);

/// Parses `qid docid` pairs.
PairSet parse_pairs(std::istream& in, const std::string& origin);
PairSet read_pairs(const std::string& path);

/// Sorts one ranking into trec_eval order: score descending, then docid descending.
void sort_trec_order(std::vector<RunEntry>& ranking);

/// Removes the listed (qid, docid) pairs from the run; returns how many entries it removed.
uint64_t drop_pairs(Run& run, const PairSet& drop);

/// What restrict_to_pools() did.
struct PoolStats {
  uint64_t removed = 0;                     // entries outside their query's pool
  std::vector<std::string> queries_without_pool;  // run queries with no pool: emptied
};
/// Keeps only each query's pool members in its ranking (order kept). A run query with no
/// pool at all loses its whole ranking and is listed in PoolStats::queries_without_pool.
PoolStats restrict_to_pools(Run& run, const PairSet& pools);

/// Writes one query's ranking as TREC run lines (`qid Q0 docid rank score tag`), ranks from
/// 1 in the given order. Scores are printed with 6 decimals.
void write_run_lines(std::ostream& out, const std::string& qid,
                     const std::vector<RunEntry>& ranking, const std::string& tag);

}  // namespace lcr::eval
