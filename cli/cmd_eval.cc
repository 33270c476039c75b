// lcr eval: score a TREC run against TREC qrels (docs/evaluation.md).
#include <iostream>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/eval/metrics.h"
#include "lcr/eval/report.h"
#include "lcr/eval/trec.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

// "5,20 100" style lists: each value may hold several comma-separated ranks.
std::vector<int> parse_cutoffs(const std::vector<std::string>& values, const std::string& option) {
  std::vector<int> out;
  for (const auto& v : values) {
    std::string item;
    std::istringstream ss(v);
    while (std::getline(ss, item, ',')) {
      if (item.empty()) continue;
      size_t used = 0;
      int k = 0;
      try {
        k = std::stoi(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != item.size() || k <= 0)
        throw UsageError("lcr eval: --" + option + ": '" + item + "' is not a positive rank");
      out.push_back(k);
    }
  }
  return out;
}

std::string join_head(const std::vector<std::string>& v, size_t n) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < n; ++i) s += (i ? " " : "") + v[i];
  if (v.size() > n) s += " ...";
  return s;
}

int run_eval(const Args& args) {
  po::options_description desc("lcr eval");
  std::string qrels_path, run_path, pools_path, drop_path;
  std::vector<std::string> cutoffs, ndcg_cutoffs;
  eval::EvalOptions o;
  desc.add_options()                                                                   //
      ("qrels", po::value(&qrels_path)->required(), "TREC qrels: qid 0 docid grade")   //
      ("run", po::value(&run_path)->required(), "TREC run: qid Q0 docid rank score tag")  //
      ("cutoffs,k", po::value(&cutoffs)->multitoken()->composing(),
       "more ranks k for P@k and Recall@k (5 and 10 always), e.g. -k 20,100")  //
      ("ndcg-cutoffs", po::value(&ndcg_cutoffs)->multitoken()->composing(),
       "more ranks k for NDCG@k (10 and 30 always)")  //
      ("relevant-grade", po::value(&o.relevant_grade)->default_value(1),
       "grade >= N counts as relevant for P, Recall, MAP, MRR")  //
      ("all-queries", po::bool_switch(&o.all_queries),
       "average over every qrels query; by default queries without a relevant doc are left out")  //
      ("pools", po::value(&pools_path),
       "TSV qid<TAB>docid: keep only each query's pool in its ranking before scoring")  //
      ("drop", po::value(&drop_path),
       "TSV qid<TAB>docid: pairs removed from the run before scoring (e.g. dev_self.tsv)")  //
      ("per-query", po::bool_switch(), "print every query's figures, then the mean")          //
      ("json", po::bool_switch(), "print JSON instead of text");
  po::positional_options_description pos;
  pos.add("qrels", 1).add("run", 1);
  po::variables_map vm;
  if (!parse_options("eval", args, desc, vm, &pos)) return 0;
  for (int k : parse_cutoffs(cutoffs, "cutoffs")) o.cutoffs.push_back(k);
  for (int k : parse_cutoffs(ndcg_cutoffs, "ndcg-cutoffs")) o.ndcg_cutoffs.push_back(k);

  const auto qrels = eval::read_qrels(qrels_path);
  auto run = eval::read_run(run_path);
  eval::ReportContext ctx;
  ctx.qrels_path = qrels_path;
  ctx.run_path = run_path;
  ctx.pools_path = pools_path;
  ctx.drop_path = drop_path;
  ctx.relevant_grade = o.relevant_grade;
  ctx.all_queries = o.all_queries;
  ctx.duplicates = run.duplicates;
  if (run.duplicates)
    std::cerr << "lcr eval: warning: " << run_path << ": " << run.duplicates
              << " duplicate (qid, docid) lines ignored, each docid kept once with its best "
                 "score (queries: "
              << join_head(run.duplicate_queries, 8) << ")\n";
  if (!drop_path.empty()) ctx.dropped = eval::drop_pairs(run, eval::read_pairs(drop_path));
  if (!pools_path.empty()) {
    auto st = eval::restrict_to_pools(run, eval::read_pairs(pools_path));
    ctx.outside_pool = st.removed;
    if (!st.queries_without_pool.empty())
      std::cerr << "lcr eval: warning: " << st.queries_without_pool.size()
                << " run queries have no pool in " << pools_path
                << " and are emptied: " << join_head(st.queries_without_pool, 8) << "\n";
  }

  const auto result = eval::evaluate(qrels, run, o);
  if (result.queries_missing_from_run)
    std::cerr << "lcr eval: warning: " << result.queries_missing_from_run
              << " qrels queries have no line in the run and score 0\n";
  if (result.run_queries_not_in_qrels)
    std::cerr << "lcr eval: note: " << result.run_queries_not_in_qrels
              << " run queries are not in the qrels and are ignored\n";
  if (result.queries.empty())
    std::cerr << "lcr eval: warning: no query to average: the means are 0\n";
  std::cout << (vm["json"].as<bool>() ? eval::format_json(result, ctx, vm["per-query"].as<bool>())
                                      : eval::format_text(result, ctx, vm["per-query"].as<bool>()));
  return 0;
}

LCR_COMMAND("eval", "Score a TREC run against qrels (P@k, Recall@k, MAP, MRR, NDCG@k)", run_eval);

}  // namespace
}  // namespace lcr::cli
