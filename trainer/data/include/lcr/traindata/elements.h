// Legal elements without an LLM: short spans of a judgment that carry what decides the charge
// and the sentence (the act, the means, the harm and its severity, amounts, intent), found
// from corpus statistics.
//
// Fitting counts, for every character n-gram (1..max_n characters, inside a clause, not
// crossing a date, name, place, amount, case number, court or organisation), its occurrences
// (capped per case) and the cases it occurs in, overall and per charge. Its salience is its
// strongest association with one charge: the log-odds ratio of its rate in the charge's cases
// against the other cases, with an informative Dirichlet prior (Monroe, Colaresi & Quinn
// 2008), kept when the z-score passes `min_z` and the n-gram occurs in at least
// `min_support` of the charge's cases (and min_df of them), and scaled to [0, 1] by
// `saturation`. A corpus without usable charge labels falls back to IDF: n-grams occurring
// in few (but at least min_df) cases are salient.
//
// Extraction scores each character by the most salient n-gram covering it, then picks, in
// every clause (text between ，。；：、 and the like), the contiguous span that maximises
// sum(salience - length_cost) with amounts counted as mildly positive and dates, names and
// places as penalties. A span may not cut a salient n-gram or a cohesive bigram (high
// pointwise mutual information) at either end, so it starts and ends at a word boundary, and
// must start with a token of the *core first-token set*: tokens that are themselves strongly
// charge-associated and are not numerals, function characters or mostly-masked tokens (dates,
// names, places). Near-duplicate spans are dropped; the best ones are returned.
//
// The fitted statistics are saved (save/load) so that the extractor can run later on query
// texts without refitting; they are tied to the tokenizer by its hash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lcr/core/corpus.h"
#include "lcr/core/tokenizer.h"

namespace lcr::traindata {

/// Which string of a case an element's offsets refer to.
enum class Field : uint8_t { Text = 0, Facts = 1 };

/// One legal element: `text` is the UTF-8 span, [char_begin, char_end) its code-point
/// offsets in case.text (field Text) or case.facts (field Facts, only when the facts are not
/// part of the text), `score` its extraction score (higher is better).
struct Element {
  std::string text;
  size_t char_begin = 0;
  size_t char_end = 0;
  double score = 0;
  Field field = Field::Text;
};

struct ExtractorOptions {
  // --- fitting
  int max_n = 6;                  // longest n-gram, in characters
  uint32_t min_df = 3;            // an n-gram must occur in this many cases to count
  uint32_t min_charge_cases = 5;  // charges with fewer cases are not scored
  double prior_strength = 10;     // Dirichlet prior, in average cases' worth of text
  uint32_t max_case_count = 3;    // occurrences counted per case (burstiness cap)
  double min_z = 3.0;             // z-score an association must reach
  double min_support = 0.02;      // ... and the share of the charge's cases it must be in
  double saturation = 3.0;        // log-odds ratio at which salience reaches 1
  size_t max_region_chars = 20000;  // characters analysed per facts / reasoning region
  // --- first-token set
  size_t max_first_tokens = 400;      // at most this many characters (best first)
  double min_first_salience = 0.3;    // a first character's own salience must reach this
  double max_first_masked_share = 0.3;  // share of its occurrences inside dates/names/places
  // --- spans
  int min_tokens = 4;             // tokens per element (as the tokenizer splits it)
  int max_chars = 24;             // characters per element (>= its token count)
  double length_cost = 0.3;       // subtracted per character
  double amount_value = 0.12;     // value of a character inside an amount
  double masked_cost = 1.0;       // cost of a character inside a date / name / place
  double min_score = 0.8;         // spans scoring less are not elements
  size_t max_elements = 32;       // per case (or per query text)
  double max_overlap = 0.7;       // character-bigram Jaccard above which a span is a duplicate
  double max_boundary_salience = 0.5;  // a span may not cut an n-gram this salient
  double min_pmi = 3.0;           // a bigram this cohesive (log of observed / expected) is a
  uint32_t min_bigram_count = 5;  // word that a span may not cut, if it occurs this often
  void validate() const;          // throws lcr::Error naming the bad option
};

/// Yields the next case (false at the end); lets fit stream a corpus.
using CaseSource = std::function<bool(Case&)>;

/// Statistics of a fit, for reports and manifests.
struct ExtractorStats {
  uint64_t cases = 0;            // cases read
  uint64_t labelled_cases = 0;   // cases with at least one scored charge
  uint64_t scored_charges = 0;   // charges with >= min_charge_cases cases
  uint64_t ngrams_counted = 0;   // n-grams with df >= min_df (all lengths)
  uint64_t salient_ngrams = 0;   // n-grams with salience > 0 (kept)
  bool labelled = false;         // false: IDF fallback
  double seconds = 0;
};

class ElementExtractor {
 public:
  /// Fits on the cases `next` yields. `tokenizer` must outlive the extractor. Throws
  /// lcr::Error for bad options or an empty corpus.
  static ElementExtractor fit(const CaseSource& next, const Tokenizer& tokenizer,
                              const ExtractorOptions& options = {}, bool progress = false);
  /// Fits on a corpus file (JSONL, plain or .zst).
  static ElementExtractor fit_file(const std::string& corpus_path, const Tokenizer& tokenizer,
                                   const ExtractorOptions& options = {}, bool progress = false,
                                   const CorpusReadOptions& read = {});
  /// Fits on cases in memory (tests, tools).
  static ElementExtractor fit(const std::vector<Case>& cases, const Tokenizer& tokenizer,
                              const ExtractorOptions& options = {});
  /// Loads statistics written by save(). Throws lcr::Error naming the file when it is not an
  /// extractor file, is damaged, or was fitted with another tokenizer.
  static ElementExtractor load(const std::string& path, const Tokenizer& tokenizer);

  ElementExtractor(ElementExtractor&&) noexcept;
  ElementExtractor& operator=(ElementExtractor&&) noexcept;
  ~ElementExtractor();

  /// Writes the statistics (magic, version, tokenizer hash, options, first tokens, salient
  /// n-gram table, checksum) atomically.
  void save(const std::string& path) const;

  /// Elements of a case, best first: from its facts (case.facts, else case.text up to the
  /// reasoning marker 本院认为) and its reasoning (from the marker to 依照《 / 判决如下).
  std::vector<Element> extract(const Case& c) const;
  /// Elements of a bare text (a query): the whole text is analysed; offsets refer to it.
  std::vector<Element> extract(std::string_view text) const;

  /// A short query made from `facts`: the `sentences` sentences with the most salient content,
  /// in their order, with names, places and dates replaced by 某人, 某地 and 某日 (courts and
  /// organisations by 某机关, 某单位), case numbers, short parentheticals and leading procedural
  /// clauses (公诉机关指控，) dropped, evidence lists and testimony (我...) skipped, at most
  /// `max_chars` characters. Empty when the facts have no salient sentence.
  std::string lead_query(std::string_view facts, int sentences = 2, size_t max_chars = 150) const;

  /// Sentencepiece ids of the core first-token set, ascending.
  const std::vector<int32_t>& first_token_set() const;
  /// Their pieces (surface text), in the order of first_token_set().
  std::vector<std::string> first_token_pieces() const;
  /// Whether `id` is in the core first-token set.
  bool is_first_token(int32_t id) const;
  /// Whether a two-character string is cohesive (a word that spans never cut).
  bool cohesive(std::string_view bigram) const;
  /// Salience in [0, 1] of a character n-gram (0 when unknown or not salient).
  double salience(std::string_view ngram) const;

  const ExtractorOptions& options() const;
  const ExtractorStats& stats() const;
  const Tokenizer& tokenizer() const;

 private:
  ElementExtractor();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  friend struct ExtractorAccess;
};

/// The facts part of a case as used for sources: case.facts, else case.text up to the
/// reasoning marker (the whole text when there is none).
std::string_view facts_of(const Case& c);

/// The first `max_chars` characters of `s` (cut at a UTF-8 boundary), whitespace-trimmed.
std::string truncate_chars(std::string_view s, size_t max_chars);

}  // namespace lcr::traindata
