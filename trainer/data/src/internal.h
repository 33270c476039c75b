// Internals shared by the extractor's sources: a flat hash map for counting, n-gram hashing,
// the regions of a case that are analysed, and the extractor's state.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "lcr/traindata/elements.h"
#include "lcr/traindata/legal_patterns.h"

namespace lcr::traindata::detail {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// Hash of a character n-gram; never 0. Fixed forever: saved extractor files hold these keys.
inline uint64_t ngram_hash(const char32_t* s, size_t k) {
  uint64_t h = 0x6a09e667f3bcc909ULL + k;
  for (size_t i = 0; i < k; ++i) h = mix64(h ^ (static_cast<uint64_t>(s[i]) + 0x9e3779b97f4a7c15ULL));
  return h == 0 ? 1 : h;
}

/// Open addressing, linear probing, uint64 keys (0 is reserved for empty slots).
template <class V>
class FlatMap {
 public:
  explicit FlatMap(size_t expected = 16) { rehash(expected); }
  size_t size() const { return size_; }
  const V* find(uint64_t key) const {
    for (size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &vals_[i];
      if (keys_[i] == 0) return nullptr;
    }
  }
  V get(uint64_t key) const {
    const V* v = find(key);
    return v ? *v : V{};
  }
  V& operator[](uint64_t key) {
    if (2 * (size_ + 1) > keys_.size()) rehash(size_ + 1);
    size_t i = mix64(key) & mask_;
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    if (keys_[i] == 0) {
      keys_[i] = key;
      vals_[i] = V{};
      ++size_;
    }
    return vals_[i];
  }
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] != 0) f(keys_[i], vals_[i]);
  }

 private:
  void rehash(size_t want) {
    size_t cap = 16;
    while (cap < 2 * want + 2) cap <<= 1;
    std::vector<uint64_t> old_keys(cap, 0);
    std::vector<V> old_vals(cap);
    old_keys.swap(keys_);
    old_vals.swap(vals_);
    mask_ = cap - 1;
    size_ = 0;
    for (size_t i = 0; i < old_keys.size(); ++i)
      if (old_keys[i] != 0) (*this)[old_keys[i]] = old_vals[i];
  }
  std::vector<uint64_t> keys_;
  std::vector<V> vals_;
  size_t size_ = 0, mask_ = 0;
};

/// A stretch of a case that is analysed, as code points; `char_offset` is where it starts in
/// its field (case.text or case.facts).
struct Region {
  std::u32string text;
  size_t char_offset = 0;
  Field field = Field::Text;
};

/// The facts and the reasoning of a case (see ElementExtractor::extract), each at most
/// `max_chars` characters.
std::vector<Region> case_regions(const Case& c, size_t max_chars);

/// Clauses that are evidence lists or procedure, never elements (证言, 笔录, 足以认定...).
bool is_boilerplate(std::u32string_view clause);
/// Sentences that only list evidence (for LEAD queries).
bool is_evidence_sentence(std::u32string_view sentence);

/// A region made ready for span search: pattern mask, which characters may be part of an
/// n-gram, each character's value (the best salience of an n-gram covering it), and how
/// salient an n-gram a cut before each character would split.
struct Analysis {
  std::u32string text;
  std::vector<PatternKind> mask;
  std::vector<uint8_t> valid;
  std::vector<float> value;
  std::vector<float> cross;  // [p]: best salience of an n-gram covering both p - 1 and p
  std::vector<uint8_t> joined;  // [p]: text[p - 1] text[p] is a cohesive bigram
};

/// The options as JSON (for extractor.bin and manifests).
nlohmann::json extractor_options_json(const ExtractorOptions& o);

/// Function characters: a cut next to one is a word boundary, and none starts an element.
inline constexpr std::u32string_view kFunctionChars =
    U"的了在和与及等将把被对为是系于从到至上中内后时又也并而就都均其该此之以因由向给";

/// Whether `c` may be part of a counted n-gram, given the mask at its position.
inline bool ngram_char(char32_t c, PatternKind kind) {
  return kind == PatternKind::None && is_cjk(c);
}
/// Kinds that never start an element and cost inside one.
inline bool is_masked(PatternKind k) { return k != PatternKind::None && k != PatternKind::Amount; }

}  // namespace lcr::traindata::detail

namespace lcr::traindata {

struct ElementExtractor::Impl {
  const Tokenizer* tok = nullptr;
  ExtractorOptions opt;
  ExtractorStats stats;
  detail::FlatMap<float> salience{1024};   // n-gram hash (2..max_n chars) -> salience
  detail::FlatMap<uint8_t> cohesive{1024};  // bigram hashes that are words: never cut
  std::vector<int32_t> first_ids;           // sorted
  std::vector<uint8_t> first_flag;          // by token id
  std::unordered_set<char32_t> first_chars; // first characters of the first tokens

  void set_first_tokens(std::vector<int32_t> ids);
  detail::Analysis analyse(std::u32string text) const;
  /// A candidate element and its shape (names, places... as 某, numbers as 0) for
  /// de-duplication.
  struct Candidate {
    Element element;
    std::u32string shape;
  };
  /// Candidates of one analysed region, offsets local to it (unsorted, not deduplicated).
  void spans(const detail::Analysis& a, std::vector<Candidate>& out) const;
  std::vector<Element> select(std::vector<Candidate> candidates) const;
};

/// Grants the sources of the extractor access to its state.
struct ExtractorAccess {
  static ElementExtractor make() { return ElementExtractor(); }
  static ElementExtractor::Impl& impl(ElementExtractor& e) { return *e.impl_; }
  static const ElementExtractor::Impl& impl(const ElementExtractor& e) { return *e.impl_; }
};

}  // namespace lcr::traindata
