// lcr_eval: TREC parsing and metrics on hand-worked examples (the arithmetic is in the
// comments; trec_eval conventions, docs/evaluation.md).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>

#include "lcr/core/error.h"
#include "lcr/eval/metrics.h"
#include "lcr/eval/report.h"
#include "lcr/eval/trec.h"
#include "test_util.h"

namespace lcr::eval {
namespace {

Qrels qrels_of(const std::string& text) {
  std::istringstream in(text);
  return parse_qrels(in, "qrels.txt");
}
Run run_of(const std::string& text) {
  std::istringstream in(text);
  return parse_run(in, "run.trec");
}
PairSet pairs_of(const std::string& text) {
  std::istringstream in(text);
  return parse_pairs(in, "pairs.tsv");
}
std::vector<std::string> docs_of(const Run& run, const std::string& qid) {
  std::vector<std::string> out;
  for (const auto& e : run.rankings.at(qid)) out.push_back(e.docid);
  return out;
}
double value(const EvalResult& r, const std::string& qid, const std::string& metric) {
  for (const auto& q : r.queries)
    if (q.qid == qid) return q.values[metric_index(r, metric)];
  ADD_FAILURE() << "query " << qid << " not averaged";
  return NAN;
}
using test::error_of;

// q1: A, B, C relevant (3 in the qrels), D judged non-relevant.
// Run order A X B Y Z D C (the rank column is deliberately wrong: it is ignored).
const char* kQ1Qrels = "q1 0 A 1\nq1 0 B 1\nq1 0 C 1\nq1 0 D 0\n";
const char* kQ1Run =
    "q1 Q0 C 1 4 t\nq1 Q0 A 2 10 t\nq1 Q0 X 3 9 t\nq1 Q0 B 4 8 t\n"
    "q1 Q0 Y 5 7 t\nq1 Q0 Z 6 6 t\nq1 Q0 D 7 5 t\n";

TEST(EvalMetrics, BinaryMetricsOnOneQuery) {
  auto r = evaluate(qrels_of(kQ1Qrels), run_of(kQ1Run));
  ASSERT_EQ(r.queries.size(), 1u);
  // P@5: A, B in the top 5 -> 2/5. P@10: A, B, C among 7 retrieved -> 3/10 (k divides).
  EXPECT_DOUBLE_EQ(value(r, "q1", "P@5"), 0.4);
  EXPECT_DOUBLE_EQ(value(r, "q1", "P@10"), 0.3);
  // Recall@5 = 2/3, Recall@10 = 3/3.
  EXPECT_DOUBLE_EQ(value(r, "q1", "Recall@5"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(value(r, "q1", "Recall@10"), 1.0);
  // AP: A at 1 -> 1/1, B at 3 -> 2/3, C at 7 -> 3/7; (1 + 0.6667 + 0.4286) / 3 = 0.698413.
  EXPECT_NEAR(value(r, "q1", "MAP"), 0.698413, 1e-6);
  EXPECT_DOUBLE_EQ(value(r, "q1", "MRR"), 1.0);
  // NDCG@10, gains 1: DCG = 1/log2(2) + 1/log2(4) + 1/log2(8) = 1.833333;
  // IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.130930; 0.860344.
  EXPECT_NEAR(value(r, "q1", "NDCG@10"), 0.860344, 1e-6);
  EXPECT_EQ(r.queries[0].num_relevant, 3);
  EXPECT_EQ(r.queries[0].num_retrieved, 7);
  EXPECT_EQ(r.queries[0].relevant_retrieved, 3);
  EXPECT_DOUBLE_EQ(mean_of(r, "P@5"), 0.4);
}

TEST(EvalMetrics, ExtraCutoffs) {
  EvalOptions o;
  o.cutoffs = {3, 1};
  o.ndcg_cutoffs = {2};
  auto r = evaluate(qrels_of(kQ1Qrels), run_of(kQ1Run), o);
  // P@1 = 1 (A), P@3 = 2/3 (A, B), Recall@3 = 2/3.
  EXPECT_DOUBLE_EQ(value(r, "q1", "P@1"), 1.0);
  EXPECT_DOUBLE_EQ(value(r, "q1", "P@3"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(value(r, "q1", "Recall@3"), 2.0 / 3);
  // NDCG@2: DCG = 1 (A, X) ; IDCG = 1 + 1/log2(3) = 1.630930; 0.613147.
  EXPECT_NEAR(value(r, "q1", "NDCG@2"), 0.613147, 1e-6);
  EXPECT_THROW(metric_index(r, "P@5"), Error);
  o.cutoffs = {0};
  EXPECT_THROW(evaluate(qrels_of(kQ1Qrels), run_of(kQ1Run), o), Error);
}

TEST(EvalMetrics, TiesInScoreBreakByDocidDescending) {
  // c scores 2; a and b tie at 1 and sort b before a (docid descending), whatever the file
  // order or rank column says. Only a is relevant: it sits at rank 3.
  auto run = run_of("q2 Q0 a 1 1.0 t\nq2 Q0 b 2 1 t\nq2 Q0 c 3 2.0 t\n");
  EXPECT_EQ(docs_of(run, "q2"), (std::vector<std::string>{"c", "b", "a"}));
  auto r = evaluate(qrels_of("q2 0 a 1\n"), run);
  EXPECT_DOUBLE_EQ(value(r, "q2", "MRR"), 1.0 / 3);  // 1/3
  EXPECT_DOUBLE_EQ(value(r, "q2", "MAP"), 1.0 / 3);  // (1/3) / 1
  EXPECT_DOUBLE_EQ(value(r, "q2", "P@5"), 0.2);      // 1/5
}

TEST(EvalMetrics, DuplicatesKeptOnceWithBestScore) {
  // x at 5 then again at 3 (dropped: x keeps 5); y at 4 then again at 6 (y keeps 6).
  auto run = run_of("q4 Q0 x 1 5 t\nq4 Q0 y 2 4 t\nq4 Q0 x 3 3 t\nq4 Q0 y 4 6 t\n");
  EXPECT_EQ(run.duplicates, 2u);
  EXPECT_EQ(run.duplicate_queries, (std::vector<std::string>{"q4"}));
  EXPECT_EQ(docs_of(run, "q4"), (std::vector<std::string>{"y", "x"}));
  // x is the only relevant doc: rank 2 -> AP 1/2, P@5 1/5 (not 2/5: counted once).
  auto r = evaluate(qrels_of("q4 0 x 1\n"), run);
  EXPECT_DOUBLE_EQ(value(r, "q4", "MAP"), 0.5);
  EXPECT_DOUBLE_EQ(value(r, "q4", "P@5"), 0.2);
}

TEST(EvalMetrics, MissingQueriesAndQueriesWithoutRelevant) {
  // q1 as above (P@5 0.4, MAP 0.698413); q3 has a relevant doc but no run line (scores 0);
  // q5 has no relevant doc; qX is only in the run (ignored).
  std::string qrels = std::string(kQ1Qrels) + "q3 0 r 1\nq5 0 e 0\n";
  std::string run = std::string(kQ1Run) + "qX Q0 r 1 1 t\n";
  auto r = evaluate(qrels_of(qrels), run_of(run));
  EXPECT_EQ(r.queries.size(), 2u);  // q1, q3
  EXPECT_EQ(r.queries_missing_from_run, 1);
  EXPECT_EQ(r.queries_without_relevant, 1);
  EXPECT_EQ(r.run_queries_not_in_qrels, 1);
  EXPECT_FALSE(r.queries[1].in_run);
  EXPECT_DOUBLE_EQ(value(r, "q3", "MAP"), 0.0);
  EXPECT_DOUBLE_EQ(mean_of(r, "P@5"), 0.2);                 // (0.4 + 0) / 2
  EXPECT_NEAR(mean_of(r, "MAP"), 0.698413 / 2, 1e-6);       // (0.698413 + 0) / 2
  EvalOptions all;
  all.all_queries = true;
  auto a = evaluate(qrels_of(qrels), run_of(run), all);
  EXPECT_EQ(a.queries.size(), 3u);                            // q1, q3, q5
  EXPECT_NEAR(mean_of(a, "P@5"), 0.4 / 3, 1e-12);             // (0.4 + 0 + 0) / 3
  EXPECT_NEAR(mean_of(a, "MAP"), 0.698413 / 3, 1e-6);
  // No query to average: means are 0, not NaN.
  auto none = evaluate(qrels_of("q5 0 e 0\n"), run_of(run));
  EXPECT_TRUE(none.queries.empty());
  EXPECT_DOUBLE_EQ(mean_of(none, "MAP"), 0.0);
}

TEST(EvalMetrics, GradedNdcgAndRelevantGrade) {
  // Grades a 3, b 2, c 1, d 0, e 3 (e never retrieved). Run order d c a b.
  const char* qrels = "q6 0 a 3\nq6 0 b 2\nq6 0 c 1\nq6 0 d 0\nq6 0 e 3\n";
  const char* run = "q6 Q0 d 1 4 t\nq6 Q0 c 2 3 t\nq6 Q0 a 3 2 t\nq6 Q0 b 4 1 t\n";
  EvalOptions o;
  o.ndcg_cutoffs = {10, 2};
  o.relevant_grade = 3;
  auto r = evaluate(qrels_of(qrels), run_of(run), o);
  // DCG@10 = 0/log2(2) + 1/log2(3) + 3/log2(4) + 2/log2(5) = 0.630930 + 1.5 + 0.861353
  //        = 2.992283; ideal 3 3 2 1: 3 + 3/log2(3) + 2/log2(4) + 1/log2(5) = 6.323466.
  EXPECT_NEAR(value(r, "q6", "NDCG@10"), 2.992283 / 6.323466, 1e-6);  // 0.473203
  // NDCG@2 = (1/log2(3)) / (3 + 3/log2(3)) = 0.630930 / 4.892789 = 0.128951.
  EXPECT_NEAR(value(r, "q6", "NDCG@2"), 0.128951, 1e-6);
  // Binary metrics at grade >= 3: a and e relevant (2); a at rank 3.
  EXPECT_DOUBLE_EQ(value(r, "q6", "P@5"), 0.2);        // 1/5
  EXPECT_DOUBLE_EQ(value(r, "q6", "MAP"), 1.0 / 6);    // (1/3) / 2
  EXPECT_DOUBLE_EQ(value(r, "q6", "MRR"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(value(r, "q6", "Recall@5"), 0.5);   // 1/2
  // At the default grade 1: c at 2, a at 3, b at 4 of 4 relevant:
  // AP = (1/2 + 2/3 + 3/4) / 4 = 0.479167; NDCG is unchanged by the grade.
  auto g1 = evaluate(qrels_of(qrels), run_of(run));
  EXPECT_NEAR(value(g1, "q6", "MAP"), 0.479167, 1e-6);
  EXPECT_NEAR(value(g1, "q6", "NDCG@10"), 0.473203, 1e-6);
  // Only zero grades: NDCG 0, not NaN.
  EXPECT_DOUBLE_EQ(ndcg_at({"d"}, Judgments{{"d", 0}}, 10), 0.0);
}

TEST(EvalMetrics, PoolRestriction) {
  // Relevant p1, p3 and z (z outside the pool: still counted among the 3 relevant).
  // Run z p2 o p3 p1 -> pool p1 p2 p3 keeps p2 p3 p1: AP = (1/2 + 2/3) / 3 = 0.388889.
  // Unrestricted: z at 1, p3 at 4, p1 at 5: (1 + 2/4 + 3/5) / 3 = 0.7.
  const char* qrels = "q7 0 p1 1\nq7 0 p3 1\nq7 0 z 1\n";
  const char* text =
      "q7 Q0 z 1 10 t\nq7 Q0 p2 2 9 t\nq7 Q0 o 3 8 t\nq7 Q0 p3 4 7 t\nq7 Q0 p1 5 6 t\n"
      "q9 Q0 z 1 1 t\n";
  auto run = run_of(text);
  EXPECT_NEAR(value(evaluate(qrels_of(qrels), run), "q7", "MAP"), 0.7, 1e-12);
  auto st = restrict_to_pools(run, pairs_of("q7\tp1\nq7\tp2\nq7\tp3\n"));
  EXPECT_EQ(st.removed, 3u);  // z and o of q7, z of q9 (q9 has no pool)
  EXPECT_EQ(st.queries_without_pool, (std::vector<std::string>{"q9"}));
  EXPECT_EQ(docs_of(run, "q7"), (std::vector<std::string>{"p2", "p3", "p1"}));
  auto r = evaluate(qrels_of(qrels), run);
  EXPECT_NEAR(value(r, "q7", "MAP"), 0.388889, 1e-6);
  EXPECT_DOUBLE_EQ(value(r, "q7", "P@5"), 0.4);  // 2/5
  EXPECT_DOUBLE_EQ(value(r, "q7", "MRR"), 0.5);
}

TEST(EvalMetrics, DropPairs) {
  // q8: the query's own case `self` and `r` relevant; run self r n. Dropping (q8, self)
  // leaves r n: AP = (1/1) / 2 = 0.5 (self still counts in the qrels), MRR 1, P@5 1/5.
  // Without the drop: AP = (1/1 + 2/2) / 2 = 1.
  const char* qrels = "q8 0 self 1\nq8 0 r 1\n";
  auto run = run_of("q8 Q0 self 1 10 t\nq8 Q0 r 2 9 t\nq8 Q0 n 3 8 t\n");
  EXPECT_DOUBLE_EQ(value(evaluate(qrels_of(qrels), run), "q8", "MAP"), 1.0);
  EXPECT_EQ(drop_pairs(run, pairs_of("q8\tself\nq0\tself\n# comment\n\n")), 1u);
  EXPECT_EQ(docs_of(run, "q8"), (std::vector<std::string>{"r", "n"}));
  auto r = evaluate(qrels_of(qrels), run);
  EXPECT_DOUBLE_EQ(value(r, "q8", "MAP"), 0.5);
  EXPECT_DOUBLE_EQ(value(r, "q8", "MRR"), 1.0);
  EXPECT_DOUBLE_EQ(value(r, "q8", "P@5"), 0.2);
}

TEST(EvalTrec, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(error_of([] { run_of("q Q0 a 1 1 t\n\nq Q0 b 2 1\n"); }),
            "run.trec:3: expected 6 fields 'qid Q0 docid rank score tag' in a run line, got 5");
  EXPECT_EQ(error_of([] { run_of("q Q0 a 1 high t\n"); }),
            "run.trec:1: score 'high' is not a finite number");
  EXPECT_EQ(error_of([] { run_of("q Q0 a 1 nan t\n"); }),
            "run.trec:1: score 'nan' is not a finite number");
  EXPECT_EQ(error_of([] { qrels_of("q 0 a 1\nq 0 b 1.5\n"); }),
            "qrels.txt:2: relevance grade '1.5' is not an integer");
  EXPECT_EQ(error_of([] { qrels_of("q 0 a\n"); }),
            "qrels.txt:1: expected 4 fields 'qid iter docid grade' in a qrels line, got 3");
  EXPECT_EQ(error_of([] { pairs_of("q\ta\nq a b\n"); }),
            "pairs.tsv:2: expected 2 fields 'qid<TAB>docid', got 3");
  EXPECT_EQ(error_of([] { read_qrels("/nonexistent/qrels"); }),
            "/nonexistent/qrels: cannot open for reading");
}

TEST(EvalTrec, WriteThenReadRoundTrip) {
  std::vector<RunEntry> ranking{{"d2", 3.5}, {"d1", 1.25}, {"d0", 0}};
  std::ostringstream out;
  write_run_lines(out, "q", ranking, "bm25");
  EXPECT_EQ(out.str(),
            "q Q0 d2 1 3.500000 bm25\nq Q0 d1 2 1.250000 bm25\nq Q0 d0 3 0.000000 bm25\n");
  auto run = run_of(out.str());
  EXPECT_EQ(docs_of(run, "q"), (std::vector<std::string>{"d2", "d1", "d0"}));
}

TEST(EvalReport, TextAndJson) {
  auto r = evaluate(qrels_of(kQ1Qrels), run_of(kQ1Run));
  ReportContext ctx;
  const auto text = format_text(r, ctx, false);
  EXPECT_NE(text.find("P@5         0.4000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("MAP         0.6984\n"), std::string::npos) << text;
  const auto table = format_text(r, ctx, true);
  EXPECT_NE(table.find("q1"), std::string::npos);
  EXPECT_NE(table.find("mean"), std::string::npos);
  const auto json = format_json(r, ctx, true);
  EXPECT_NE(json.find("\"P@5\": 0.4"), std::string::npos) << json;
  EXPECT_NE(json.find("\"per_query\""), std::string::npos);
}

}  // namespace
}  // namespace lcr::eval
