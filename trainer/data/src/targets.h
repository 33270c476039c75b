// Helpers of build_training_data: a seeded generator, imported elements, naive spans.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "lcr/traindata/elements.h"

namespace lcr::traindata::detail {

/// splitmix64: the same sequence on every platform and standard library.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

/// Case id -> elements, from a JSONL file of {"id": "...", "elements": ["...", ...]}.
/// Throws lcr::Error("FILE:LINE: ...") for malformed lines and duplicate ids.
using ImportedElements = std::unordered_map<std::string, std::vector<std::string>>;
ImportedElements read_imported_elements(const std::string& path);

/// The imported elements that occur verbatim in case.text (else case.facts), in their order,
/// with offsets; the others are counted in `dropped`.
std::vector<Element> verbatim_elements(const Case& c, const std::vector<std::string>& imported,
                                       uint64_t& dropped);

/// One random span of the case's analysed regions per element of `like`, of the same length
/// in characters (the "naive identifiers" ablation).
std::vector<Element> naive_spans(const Case& c, const std::vector<Element>& like, size_t max_chars,
                                 Rng& rng);

}  // namespace lcr::traindata::detail
