// lcr baseline bm25 index | search: the Xapian BM25 baseline (docs/evaluation.md).
#include <iostream>

#include "command.h"
#include "lcr/baseline/bm25.h"
#include "lcr/core/error.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

int run_index(const Args& args) {
  po::options_description desc("lcr baseline bm25 index");
  std::string corpus, out;
  baseline::Bm25IndexOptions o;
  desc.add_options()                                                                   //
      ("corpus", po::value(&corpus)->required(), "corpus JSONL (plain or .zst)")        //
      ("out", po::value(&out)->required(), "directory of the Xapian database to write")  //
      ("field", po::value(&o.field)->default_value(o.field),
       "what to index: text (whole judgment) | facts (fact section)")
      ("strip-distractors", po::bool_switch(&o.strip_distractors),
       "index without dates, names, places, case numbers, courts, organisations");
  po::variables_map vm;
  if (!parse_options("baseline bm25 index", args, desc, vm)) return 0;
  o.validate();
  const auto st = baseline::build_bm25_index(corpus, out, o);
  std::cout << "wrote " << out << ": " << st.cases << " cases, " << st.terms << " terms, field "
            << o.field << "\n";
  if (st.empty_field)
    std::cerr << "lcr baseline bm25 index: warning: " << st.empty_field
              << " cases have no facts: their whole text was indexed instead\n";
  return 0;
}

int run_search(const Args& args) {
  po::options_description desc("lcr baseline bm25 search");
  std::string db, queries, run;
  baseline::Bm25SearchOptions o;
  std::string mode = "terms";
  desc.add_options()                                                               //
      ("db", po::value(&db)->required(), "BM25 index directory (bm25 index --out)")  //
      ("queries", po::value(&queries)->required(), "queries JSONL: id, text")        //
      ("run", po::value(&run)->required(), "TREC run to write")                      //
      ("k", po::value(&o.k)->default_value(o.k), "cases per query (ignored with --pool)")  //
      ("tag", po::value(&o.tag)->default_value(o.tag), "run tag (last column)")          //
      ("query-mode", po::value(&mode)->default_value(mode),
       "terms: OR of every query term | parser: Xapian QueryParser, n-grams of each CJK "
       "span ANDed (reproduces the LeCaRD README reference)")  //
      ("pool", po::value(&o.pools_path),
       "TSV qid<TAB>docid: rank every case of each query's pool (unmatched ones score 0)")
      ("strip-distractors", po::bool_switch(&o.strip_distractors),
       "search without the query's dates, names, places, courts, organisations");
  po::variables_map vm;
  if (!parse_options("baseline bm25 search", args, desc, vm)) return 0;
  try {
    o.mode = baseline::parse_query_mode(mode);
  } catch (const Error& e) {
    throw UsageError(std::string("lcr baseline bm25 search: --query-mode: ") + e.what());
  }
  const auto st = baseline::search_to_run(db, queries, run, o);
  std::cout << "wrote " << run << ": " << st.queries << " queries, query mode "
            << baseline::query_mode_name(o.mode) << "; " << per_query_summary(st.query_seconds)
            << "\n";
  if (st.empty_rankings)
    std::cerr << "lcr baseline bm25 search: note: " << st.empty_rankings
              << " queries matched no case\n";
  if (st.queries_without_pool)
    std::cerr << "lcr baseline bm25 search: warning: " << st.queries_without_pool
              << " queries have no pool in " << o.pools_path << ": no lines written for them\n";
  if (st.pool_ids_not_indexed)
    std::cerr << "lcr baseline bm25 search: warning: " << st.pool_ids_not_indexed
              << " pool ids are not in the index and were left out\n";
  return 0;
}

LCR_COMMAND("baseline bm25 index", "Build a Xapian BM25 index over a corpus", run_index);
LCR_COMMAND("baseline bm25 search", "Search queries with BM25 and write a TREC run", run_search);

}  // namespace
}  // namespace lcr::cli
