// lcr train data | train elements
#include <cstdio>
#include <iostream>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/core/tokenizer.h"
#include "lcr/traindata/build.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

int run_data(const Args& args) {
  po::options_description desc("lcr train data");
  traindata::TrainDataOptions o;
  auto& x = o.extractor_options;
  std::string targets = "elements";
  desc.add_options()                                                                          //
      ("corpus", po::value(&o.corpus)->required(), "corpus JSONL, plain or .zst")              //
      ("tokenizer", po::value(&o.tokenizer)->required(), "sentencepiece .model (the index's)")  //
      ("out", po::value(&o.out)->required(), "output directory (replaced atomically)")         //
      ("max-source-chars", po::value(&o.max_source_chars)->default_value(o.max_source_chars),
       "source = the case's facts, cut to this many characters")
      ("targets", po::value(&targets)->default_value(targets),
       "elements | naive (ablation: random spans of the same lengths)")
      ("augment-share", po::value(&o.augment_share)->default_value(o.augment_share),
       "share of query->element slots filled with an element of another case with the same charges")
      ("valid-share", po::value(&o.valid_share)->default_value(o.valid_share), "share of cases held out")
      ("seed", po::value(&o.seed)->default_value(o.seed), "random seed (split, augmentation, sampling)")
      ("import-elements", po::value(&o.import_elements),
       "JSONL {\"id\", \"elements\": [...]}: replaces the extracted elements of those cases")
      ("extractor", po::value(&o.extractor), "reuse a saved extractor.bin instead of fitting")
      ("max-query-pairs", po::value(&o.max_query_pairs)->default_value(o.max_query_pairs), "query->element pairs per case")
      ("max-element-pairs", po::value(&o.max_element_pairs)->default_value(o.max_element_pairs), "element->element pairs per case")
      ("max-lead-pairs", po::value(&o.max_lead_pairs)->default_value(o.max_lead_pairs), "LEAD query->element pairs per case (0: none)")
      ("partner-pairs", po::value(&o.partner_pairs)->default_value(o.partner_pairs),
       "pairs (facts -> a same-charge case's element) for a labelled case left without elements (e.g. by the charge filter)")
      ("lead-sentences", po::value(&o.lead_sentences)->default_value(o.lead_sentences), "sentences in a LEAD query")
      ("lead-max-chars", po::value(&o.lead_max_chars)->default_value(o.lead_max_chars), "characters in a LEAD query")
      ("anonymise-sources", po::bool_switch(&o.anonymise_sources),
       "sources read with names, places, dates, courts and organisations replaced (某人, 某地, 某日...); "
       "lcr search then anonymises queries the same way")
      ("window-sources", po::value(&o.window_sources)->default_value(o.window_sources),
       "extra sources per case: windows of the facts starting at a later sentence (0: none)")
      ("window-chars", po::value(&o.window_chars)->default_value(o.window_chars), "characters in a window source")
      ("window-pairs", po::value(&o.window_pairs)->default_value(o.window_pairs),
       "elements per window source, those the window holds first")
      ("max-cases", po::value(&o.max_cases)->default_value(o.max_cases), "read only the first N cases (0: all)")
      ("min-df", po::value(&x.min_df)->default_value(x.min_df), "cases an n-gram must occur in")
      ("min-z", po::value(&x.min_z)->default_value(x.min_z), "z-score a charge association must reach")
      ("max-first-tokens", po::value(&x.max_first_tokens)->default_value(x.max_first_tokens), "size cap of the first-token set")
      ("min-first-salience", po::value(&x.min_first_salience)->default_value(x.min_first_salience),
       "salience a character needs to be a first token")
      ("max-elements", po::value(&x.max_elements)->default_value(x.max_elements), "elements kept per case")
      ("skip-bad", po::bool_switch(&o.skip_bad), "skip bad corpus lines (reported) instead of failing")
      ("min-charge-share", po::value(&o.min_charge_share)->default_value(o.min_charge_share),
       "keep a target only when at least this share of the other cases holding it share a charge "
       "with its case (0: off; needs --index)")
      ("index", po::value(&o.index), "lcr index of the same corpus and tokenizer, for --min-charge-share")
      ("charge-locate-limit", po::value(&o.charge_locate_limit)->default_value(o.charge_locate_limit),
       "occurrences located per target for --min-charge-share");
  po::variables_map vm;
  if (!parse_options("train data", args, desc, vm)) return 0;
  if (targets == "elements") o.targets = traindata::Targets::Elements;
  else if (targets == "naive") o.targets = traindata::Targets::Naive;
  else throw UsageError("lcr train data: --targets must be elements or naive, not '" + targets + "'");
  o.progress = true;
  const auto r = traindata::build_training_data(o);
  if (!r.skip_summary.empty()) std::cerr << "warning: " << r.skip_summary << "\n";
  if (!o.import_elements.empty())
    std::printf("imported elements: %llu cases, %llu kept, %llu dropped (not verbatim in the case), "
                "%llu unknown ids, %llu first tokens added\n",
                static_cast<unsigned long long>(r.imported_cases), static_cast<unsigned long long>(r.imported_elements),
                static_cast<unsigned long long>(r.import_dropped), static_cast<unsigned long long>(r.import_unknown_ids),
                static_cast<unsigned long long>(r.first_tokens_added_by_import));
  std::printf("extractor: %s, %llu cases, %llu charges scored, %llu n-grams counted, %llu salient\n",
              r.extractor.labelled ? "log-odds vs charges" : "IDF (no charge labels)",
              static_cast<unsigned long long>(r.extractor.cases), static_cast<unsigned long long>(r.extractor.scored_charges),
              static_cast<unsigned long long>(r.extractor.ngrams_counted),
              static_cast<unsigned long long>(r.extractor.salient_ngrams));
  std::printf("wrote %s: %llu cases (%llu train, %llu valid, %llu without elements, %llu of them given "
              "partner pairs), %llu elements, %llu first tokens\n", o.out.c_str(), static_cast<unsigned long long>(r.cases),
              static_cast<unsigned long long>(r.train_cases), static_cast<unsigned long long>(r.valid_cases),
              static_cast<unsigned long long>(r.cases_without_elements),
              static_cast<unsigned long long>(r.cases_with_partner_pairs), static_cast<unsigned long long>(r.elements),
              static_cast<unsigned long long>(r.first_tokens));
  std::printf("pairs: %llu (%llu train, %llu valid):", static_cast<unsigned long long>(r.pairs),
              static_cast<unsigned long long>(r.train_pairs), static_cast<unsigned long long>(r.valid_pairs));
  for (const auto& [k, v] : r.pairs_by_kind) std::printf(" %s %llu", k.c_str(), static_cast<unsigned long long>(v));
  std::printf("\n");
  if (o.min_charge_share > 0)
    std::printf("charge filter: %llu of %llu targets kept (same-charge share >= %.2f); mean share %.3f -> %.3f\n",
                static_cast<unsigned long long>(r.charge_kept), static_cast<unsigned long long>(r.charge_scored),
                o.min_charge_share, r.charge_share_before, r.charge_share_after);
  std::printf("time: fit %.1f s, build %.1f s\n", r.fit_seconds, r.build_seconds);
  return 0;
}

// Runs a saved extractor on a text: what a query's elements look like.
int run_elements(const Args& args) {
  po::options_description desc("lcr train elements");
  std::string dir, model, text;
  int lead = 0;
  desc.add_options()                                                                           //
      ("data", po::value(&dir)->required(), "directory written by `lcr train data` (extractor.bin)")  //
      ("tokenizer", po::value(&model)->required(), "the sentencepiece .model it was built with")      //
      ("lead", po::value(&lead)->default_value(0), "also print a LEAD query of this many sentences")  //
      ("text", po::value(&text)->required(), "the text");
  po::positional_options_description pos;
  pos.add("text", 1);
  po::variables_map vm;
  if (!parse_options("train elements", args, desc, vm, &pos)) return 0;
  const auto tok = Tokenizer::load(model);
  const auto ex = traindata::ElementExtractor::load(dir + "/extractor.bin", tok);
  for (const auto& e : ex.extract(text))
    std::printf("%.2f\t%zu-%zu\t%s\n", e.score, e.char_begin, e.char_end, e.text.c_str());
  if (lead > 0) std::printf("LEAD\t%s\n", ex.lead_query(text, lead).c_str());
  return 0;
}

LCR_COMMAND("train data", "Build self-supervised training pairs (legal elements, LEAD queries)", run_data);
LCR_COMMAND("train elements", "Show the legal elements a saved extractor finds in a text", run_elements);

}  // namespace
}  // namespace lcr::cli
