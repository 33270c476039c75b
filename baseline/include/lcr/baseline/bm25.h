// BM25 baseline on Xapian (docs/evaluation.md).
//
// Index: one Xapian document per case, its text (the `text` or the `facts` field) split by
// Xapian's TermGenerator with FLAG_CJK_NGRAM: spans of CJK characters give their unigrams
// and bigrams, other characters words as usual (lowercased, no stemming, no positions). The
// case id is the document data and the boolean term "Q<id>".
//
// Search, two ways of turning the whole query text into a query (QueryMode):
//  - terms (default): the text is split as at index time and every distinct term becomes
//    one leaf of an OP_OR query, its count in the text as its within-query frequency;
//  - parser: Xapian::QueryParser with FLAG_DEFAULT | FLAG_CJK_NGRAM and default operator
//    OR. The parser ANDs the n-grams of each punctuation-delimited CJK span, so a case must
//    hold a whole span to match it: much stricter. This reproduces the reference figures of
//    the LeCaRD README (docs/evaluation.md).
// Weighting is Xapian::BM25Weight with its defaults (k1 1, k2 0, k3 1, b 0.5, min_normlen 0.5).
// Rankings come out in trec_eval order (score descending, ties by docid descending), scores
// rounded to the 6 decimals a run file keeps, so the file order is the order scored.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lcr/eval/trec.h"

namespace lcr::baseline {

/// How query text becomes a Xapian query (see the file comment).
enum class QueryMode { terms, parser };
/// "terms" | "parser"; throws lcr::Error naming the bad value.
QueryMode parse_query_mode(const std::string& name);
const char* query_mode_name(QueryMode mode);

/// The text with dates, names, places, case numbers, courts and organisations (as
/// lcr::traindata's pattern recognisers find them) replaced by spaces; amounts are kept.
std::string strip_distractors(std::string_view text);

struct Bm25IndexOptions {
  std::string field = "text";  // "text" (whole judgment) or "facts" (fact section)
  bool strip_distractors = false;  // index the text without names, dates, places...
  bool quiet = false;          // no progress line
  void validate() const;       // throws lcr::Error naming the bad option
};

struct Bm25IndexStats {
  uint64_t cases = 0;
  uint64_t empty_field = 0;  // cases whose `facts` was empty: their `text` was indexed
  uint64_t terms = 0;        // distinct terms in the database
};

/// Builds a Xapian database from a corpus JSONL (plain or .zst) at `out_dir`, through a
/// staging directory renamed into place on success (an existing index is replaced only
/// then). Writes `lcr-bm25.json` beside the database files (corpus manifest, field, counts).
/// Throws lcr::Error naming the corpus line or the directory on failure.
Bm25IndexStats build_bm25_index(const std::string& corpus_path, const std::string& out_dir,
                                const Bm25IndexOptions& options = {});

/// A read-only BM25 index.
class Bm25Searcher {
 public:
  /// Opens the database in `db_dir`; throws lcr::Error naming it when it cannot.
  explicit Bm25Searcher(const std::string& db_dir, QueryMode mode = QueryMode::terms);
  ~Bm25Searcher();
  Bm25Searcher(const Bm25Searcher&) = delete;
  Bm25Searcher& operator=(const Bm25Searcher&) = delete;

  /// The best `k` cases for `query_text`, best first. Empty when no term of the query occurs
  /// in the index (or the query has no term).
  std::vector<eval::RunEntry> search(const std::string& query_text, size_t k) const;

  /// Ranks every case of `pool`: the matching ones by BM25, then the others with score 0.
  /// Pool ids that are not in the index are left out and counted in `*missing`.
  std::vector<eval::RunEntry> search_pool(const std::string& query_text,
                                          const std::set<std::string>& pool,
                                          uint64_t* missing = nullptr) const;

  /// Number of cases in the index.
  uint64_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Bm25SearchOptions {
  size_t k = 1000;           // depth of each ranking (not used with pools)
  std::string tag = "bm25";  // last column of the run
  std::string pools_path;    // TSV qid<TAB>docid: rank every case of each query's pool
  QueryMode mode = QueryMode::terms;
  bool strip_distractors = false;  // search the query without names, dates, places...
  bool quiet = false;
};

struct Bm25SearchStats {
  uint64_t queries = 0;
  uint64_t empty_rankings = 0;         // queries that matched nothing
  uint64_t queries_without_pool = 0;   // with pools: queries with no pool (no lines written)
  uint64_t pool_ids_not_indexed = 0;   // with pools: pool ids absent from the index
  std::vector<double> query_seconds;   // wall time of each query's search, in query order
};

/// Searches every query of a JSONL file (`id`, `text`; read with lcr::CorpusReader) and
/// writes a TREC run to `run_path` atomically.
Bm25SearchStats search_to_run(const std::string& db_dir, const std::string& queries_path,
                              const std::string& run_path, const Bm25SearchOptions& options = {});

}  // namespace lcr::baseline
