#include "lcr/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "lcr/core/error.h"

namespace lcr::eval {
namespace {

int grade_of(const Judgments& j, const std::string& docid) {
  auto it = j.find(docid);
  return it == j.end() ? 0 : it->second;
}

int relevant_in_top(const std::vector<std::string>& ranking, const Judgments& j, int k,
                    int relevant_grade) {
  const size_t n = std::min(ranking.size(), static_cast<size_t>(std::max(k, 0)));
  int hits = 0;
  for (size_t i = 0; i < n; ++i) hits += grade_of(j, ranking[i]) >= relevant_grade ? 1 : 0;
  return hits;
}

double discount(size_t rank) { return std::log2(static_cast<double>(rank) + 1.0); }

}  // namespace

int count_relevant(const Judgments& j, int relevant_grade) {
  int n = 0;
  for (const auto& [doc, g] : j) n += g >= relevant_grade ? 1 : 0;
  return n;
}

double precision_at(const std::vector<std::string>& ranking, const Judgments& j, int k,
                    int relevant_grade) {
  if (k <= 0) return 0;
  return static_cast<double>(relevant_in_top(ranking, j, k, relevant_grade)) / k;
}

double recall_at(const std::vector<std::string>& ranking, const Judgments& j, int k,
                 int relevant_grade) {
  const int rel = count_relevant(j, relevant_grade);
  if (rel == 0) return 0;
  return static_cast<double>(relevant_in_top(ranking, j, k, relevant_grade)) / rel;
}

double average_precision(const std::vector<std::string>& ranking, const Judgments& j,
                         int relevant_grade) {
  const int rel = count_relevant(j, relevant_grade);
  if (rel == 0) return 0;
  double sum = 0;
  int hits = 0;
  for (size_t i = 0; i < ranking.size(); ++i) {
    if (grade_of(j, ranking[i]) < relevant_grade) continue;
    ++hits;
    sum += static_cast<double>(hits) / static_cast<double>(i + 1);
  }
  return sum / rel;
}

double reciprocal_rank(const std::vector<std::string>& ranking, const Judgments& j,
                       int relevant_grade) {
  for (size_t i = 0; i < ranking.size(); ++i)
    if (grade_of(j, ranking[i]) >= relevant_grade) return 1.0 / static_cast<double>(i + 1);
  return 0;
}

double ndcg_at(const std::vector<std::string>& ranking, const Judgments& j, int k) {
  if (k <= 0) return 0;
  std::vector<int> ideal;
  for (const auto& [doc, g] : j)
    if (g > 0) ideal.push_back(g);
  if (ideal.empty()) return 0;
  std::sort(ideal.begin(), ideal.end(), std::greater<int>());
  const size_t kk = static_cast<size_t>(k);
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < kk; ++i) idcg += ideal[i] / discount(i + 1);
  double dcg = 0;
  for (size_t i = 0; i < ranking.size() && i < kk; ++i) {
    const int g = grade_of(j, ranking[i]);
    if (g > 0) dcg += g / discount(i + 1);
  }
  return dcg / idcg;
}

void EvalOptions::validate() const {
  for (int k : cutoffs)
    if (k <= 0) throw Error("cutoff " + std::to_string(k) + " is not a positive rank");
  for (int k : ndcg_cutoffs)
    if (k <= 0) throw Error("NDCG cutoff " + std::to_string(k) + " is not a positive rank");
}

EvalResult evaluate(const Qrels& qrels, const Run& run, const EvalOptions& options) {
  options.validate();
  // Distinct cutoffs in increasing order.
  std::set<int> cut(options.cutoffs.begin(), options.cutoffs.end());
  std::set<int> ncut(options.ndcg_cutoffs.begin(), options.ndcg_cutoffs.end());
  EvalResult r;
  for (int k : cut) r.metrics.push_back("P@" + std::to_string(k));
  for (int k : cut) r.metrics.push_back("Recall@" + std::to_string(k));
  r.metrics.push_back("MAP");
  r.metrics.push_back("MRR");
  for (int k : ncut) r.metrics.push_back("NDCG@" + std::to_string(k));
  r.mean.assign(r.metrics.size(), 0.0);

  for (const auto& [qid, ranking] : run.rankings)
    if (!qrels.count(qid)) ++r.run_queries_not_in_qrels;

  const std::vector<RunEntry> empty;
  for (const auto& [qid, judged] : qrels) {
    QueryResult q;
    q.qid = qid;
    q.num_relevant = count_relevant(judged, options.relevant_grade);
    if (q.num_relevant == 0) {
      ++r.queries_without_relevant;
      if (!options.all_queries) continue;
    }
    auto it = run.rankings.find(qid);
    q.in_run = it != run.rankings.end();
    if (!q.in_run) ++r.queries_missing_from_run;
    const auto& entries = q.in_run ? it->second : empty;
    std::vector<std::string> docs;
    docs.reserve(entries.size());
    for (const auto& e : entries) docs.push_back(e.docid);
    q.num_retrieved = static_cast<int>(docs.size());
    q.relevant_retrieved =
        relevant_in_top(docs, judged, static_cast<int>(docs.size()), options.relevant_grade);
    const int g = options.relevant_grade;
    for (int k : cut) q.values.push_back(precision_at(docs, judged, k, g));
    for (int k : cut) q.values.push_back(recall_at(docs, judged, k, g));
    q.values.push_back(average_precision(docs, judged, g));
    q.values.push_back(reciprocal_rank(docs, judged, g));
    for (int k : ncut) q.values.push_back(ndcg_at(docs, judged, k));
    r.queries.push_back(std::move(q));
  }
  if (!r.queries.empty()) {
    for (const auto& q : r.queries)
      for (size_t m = 0; m < r.mean.size(); ++m) r.mean[m] += q.values[m];
    for (auto& v : r.mean) v /= static_cast<double>(r.queries.size());
  }
  return r;
}

size_t metric_index(const EvalResult& result, const std::string& metric) {
  for (size_t i = 0; i < result.metrics.size(); ++i)
    if (result.metrics[i] == metric) return i;
  throw Error("metric '" + metric + "' was not computed");
}

double mean_of(const EvalResult& result, const std::string& metric) {
  return result.mean[metric_index(result, metric)];
}

}  // namespace lcr::eval
