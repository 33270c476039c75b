// Retrieval metrics, trec_eval conventions (docs/evaluation.md).
//
// A ranking is a list of docids, best first. A document is *relevant* for the binary
// metrics when its grade is >= `relevant_grade`; unjudged documents have grade 0.
//   P@k        relevant in the top k / k (k, not the number retrieved, is the denominator)
//   Recall@k   relevant in the top k / relevant in the qrels
//   AP         sum over relevant retrieved docs of precision at their rank / relevant in
//              the qrels (relevant docs never retrieved contribute 0)
//   RR         1 / rank of the first relevant doc, 0 when none is retrieved
//   NDCG@k     DCG@k / IDCG@k with gain = grade (negative grades count 0) and discount
//              log2(rank + 1); the ideal ranking sorts all judged grades of the query. The
//              graded gains ignore `relevant_grade`. 0 when the query has no positive grade.
// Means are taken over the queries of the qrels that have at least one relevant document,
// or over every query of the qrels with `all_queries` (those without one score 0 on the
// binary metrics; NDCG may still credit lower grades). Queries
// of the qrels missing from the run score 0 on every metric; run queries that are not in the
// qrels are ignored.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lcr/eval/trec.h"

namespace lcr::eval {

/// Grades of one query's judged documents.
using Judgments = std::unordered_map<std::string, int>;

double precision_at(const std::vector<std::string>& ranking, const Judgments& j, int k,
                    int relevant_grade = 1);
double recall_at(const std::vector<std::string>& ranking, const Judgments& j, int k,
                 int relevant_grade = 1);
double average_precision(const std::vector<std::string>& ranking, const Judgments& j,
                         int relevant_grade = 1);
double reciprocal_rank(const std::vector<std::string>& ranking, const Judgments& j,
                       int relevant_grade = 1);
double ndcg_at(const std::vector<std::string>& ranking, const Judgments& j, int k);
/// Number of judged documents with grade >= relevant_grade.
int count_relevant(const Judgments& j, int relevant_grade = 1);

/// What to compute and how to average.
struct EvalOptions {
  std::vector<int> cutoffs{5, 10};       // P@k and Recall@k
  std::vector<int> ndcg_cutoffs{10, 30};  // NDCG@k
  int relevant_grade = 1;
  bool all_queries = false;  // average over every qrels query, not only those with a relevant
  void validate() const;     // throws lcr::Error naming the bad option
};

/// One query's figures.
struct QueryResult {
  std::string qid;
  int num_relevant = 0;   // in the qrels, at relevant_grade
  int num_retrieved = 0;  // in the (filtered) run
  int relevant_retrieved = 0;
  bool in_run = false;
  std::vector<double> values;  // parallel to EvalResult::metrics
};

/// Figures for a whole run.
struct EvalResult {
  std::vector<std::string> metrics;  // "P@5", "P@10", "Recall@5", ..., "MAP", "MRR", "NDCG@10"
  std::vector<QueryResult> queries;  // the averaged queries, in qid order
  std::vector<double> mean;          // parallel to metrics; zeros when no query is averaged
  int queries_missing_from_run = 0;  // averaged queries the run has no line for (scored 0)
  int queries_without_relevant = 0;  // qrels queries with no relevant doc (left out unless
                                     // all_queries)
  int run_queries_not_in_qrels = 0;  // ignored
};

/// Scores `run` against `qrels`. The run is used as given: apply drop_pairs() and
/// restrict_to_pools() first.
EvalResult evaluate(const Qrels& qrels, const Run& run, const EvalOptions& options = {});

/// Index of `metric` in result.metrics; throws lcr::Error when it was not computed.
size_t metric_index(const EvalResult& result, const std::string& metric);
/// Mean of `metric` ("P@5", "MAP", ...).
double mean_of(const EvalResult& result, const std::string& metric);

}  // namespace lcr::eval
