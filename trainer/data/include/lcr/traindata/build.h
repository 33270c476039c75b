// The self-supervised training data of LegalSearchLM, built without an LLM (`lcr train data`).
//
// For every case: its source (the facts, truncated) is paired with its own legal elements
// (ElementExtractor), as in the paper's self-supervised fine-tuning, plus:
//   - element -> element pairs between the case's elements;
//   - a LEAD-style short query (the most salient fact sentences, names, places and dates
//     replaced by 某人 / 某地 / 某日) paired with elements, so that short descriptions work
//     as queries;
//   - knowledge-driven augmentation: a share of the query -> element slots is filled with an
//     element of another case (same split) with the same charges;
//   - optionally, window sources: windows of the facts that start at a later sentence, each
//     paired with the case's elements it contains first, so that a query part that starts
//     mid-facts reads like something the model was trained on;
//   - optionally, anonymised sources (anonymise(): names, places, dates -> 某人, 某地, 某日),
//     recorded in the manifest so that search anonymises queries the same way.
// `targets = Naive` is the "naive identifiers" ablation: random spans of the case, with the
// lengths the elements would have had, replace every target.
//
// Output directory (written in a staging folder and renamed into place):
//   pairs.jsonl       {"src", "tgt", "kind", "case", "split"} one a line; kind is one of
//                     query-element, element-element, lead-element, window-element,
//                     augment, naive;
//                     split is train or valid (by case)
//   first_tokens.json {"tokenizer_hash": "<16 hex>", "ids": [...], "pieces": [...]}
//   manifest.json     magic "lcr-traindata", format_version 1, tokenizer_hash, corpus
//                     {path, bytes, xxh64, cases}, options, counts per kind
//   extractor.bin     the extractor's statistics (ElementExtractor::load)
//   elements.jsonl    {"id", "elements": [...], "scores": [...]} per case (the targets used;
//                     the same shape --import-elements reads)
// The output depends only on the inputs and the options (seed included): same in, same out.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "lcr/traindata/elements.h"

namespace lcr::traindata {

enum class Targets : uint8_t { Elements, Naive };

struct TrainDataOptions {
  std::string corpus;      // JSONL, plain or .zst
  std::string tokenizer;   // sentencepiece .model
  std::string out;         // output directory (replaced atomically)
  size_t max_source_chars = 1024;  // source = facts, cut to this many characters
  Targets targets = Targets::Elements;
  double augment_share = 0.1;      // share of query -> element slots given to other cases
  double valid_share = 0.02;       // share of cases in the validation split
  uint64_t seed = 1;
  std::string import_elements;     // JSONL {"id", "elements": [...]} replacing extracted ones
  std::string extractor;           // reuse a saved extractor.bin instead of fitting
  int max_query_pairs = 15;        // query -> element (and augment) pairs per case
  int max_element_pairs = 5;       // element -> element pairs per case
  int max_lead_pairs = 5;          // LEAD query -> element pairs per case (0: no LEAD)
  // A labelled case left without elements of its own (typically all dropped by the charge
  // filter) still teaches its facts: up to this many query -> element pairs, each with an element of a
  // partner case (same charges, as augmentation picks them). 0: such cases give no pairs.
  int partner_pairs = 0;
  int lead_sentences = 2;
  size_t lead_max_chars = 150;
  // Sources (facts, LEAD excepted, which is always anonymised, and windows) read with names,
  // places, dates, courts and organisations replaced (anonymise()). The manifest records it
  // and `lcr search` then anonymises queries too.
  bool anonymise_sources = false;
  // Window sources per case with elements: windows of `window_chars` characters of the facts
  // starting at a sentence other than the first (evidence lists skipped), each paired with up
  // to `window_pairs` of the case's elements, those the window contains first. 0: none.
  int window_sources = 0;
  size_t window_chars = 200;
  int window_pairs = 5;
  uint64_t max_cases = 0;          // read only the first N cases (0: all)
  bool skip_bad = false;           // skip bad corpus lines (reported) instead of failing
  bool progress = false;           // progress lines on stderr
  // Charge filter: keep a case's target only when, of the other cases holding it in `index`
  // (an lcr index of the same corpus, same tokenizer), at least this share has a charge in
  // common with the case. 0: off. Cases without charges keep their targets.
  double min_charge_share = 0;
  std::string index;
  size_t charge_locate_limit = 200;  // occurrences located per target
  ExtractorOptions extractor_options;
  void validate() const;           // throws lcr::Error naming the bad option
};

struct TrainDataResult {
  uint64_t cases = 0, train_cases = 0, valid_cases = 0;
  uint64_t cases_without_elements = 0;
  uint64_t cases_with_partner_pairs = 0;  // of those, cases given partner pairs instead
  uint64_t pairs = 0, train_pairs = 0, valid_pairs = 0;
  std::map<std::string, uint64_t> pairs_by_kind;
  uint64_t elements = 0;                 // targets over all cases
  uint64_t first_tokens = 0;
  uint64_t imported_cases = 0, imported_elements = 0;
  uint64_t import_dropped = 0;           // imported elements not verbatim in their case
  uint64_t import_unknown_ids = 0;       // imported ids not in the corpus
  uint64_t first_tokens_added_by_import = 0;
  std::string skip_summary;              // bad corpus lines skipped (skip_bad)
  ExtractorStats extractor;
  // Charge filter: targets of labelled cases scored, kept, and their mean same-charge share
  // (the share of the other cases holding a target that share a charge with its case).
  uint64_t charge_scored = 0, charge_kept = 0;
  double charge_share_before = 0, charge_share_after = 0;
  double fit_seconds = 0, build_seconds = 0;
};

/// Builds the training directory `o.out`. Throws lcr::Error (naming the file, line or
/// option) for bad input, and when no case yields a single pair.
TrainDataResult build_training_data(const TrainDataOptions& o);

/// The pair kinds, as written in pairs.jsonl.
inline constexpr const char* kKindQueryElement = "query-element";
inline constexpr const char* kKindElementElement = "element-element";
inline constexpr const char* kKindLeadElement = "lead-element";
inline constexpr const char* kKindWindowElement = "window-element";
inline constexpr const char* kKindAugment = "augment";
inline constexpr const char* kKindNaive = "naive";

}  // namespace lcr::traindata
