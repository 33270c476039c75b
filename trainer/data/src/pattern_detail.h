// Helpers shared by the recognisers (legal_patterns.cc, names_places.cc).
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "lcr/traindata/legal_patterns.h"

namespace lcr::traindata::patterns {

using View = std::u32string_view;

inline bool in(View set, char32_t c) { return set.find(c) != View::npos; }

inline bool at(View t, size_t p, View w) { return p <= t.size() && t.substr(p, w.size()) == w; }

// Longest word of `words` that starts at p (0 when none).
template <size_t N>
size_t match_any(View t, size_t p, const std::array<View, N>& words) {
  size_t best = 0;
  if (p >= t.size()) return 0;
  for (View w : words)
    if (w[0] == t[p] && w.size() > best && at(t, p, w)) best = w.size();
  return best;
}

inline size_t count(View t, View w) {
  size_t n = 0;
  for (size_t p = t.find(w); p != View::npos; p = t.find(w, p + 1)) ++n;
  return n;
}

// Each recogniser appends its spans (they may overlap; find_patterns resolves that).
void find_dates(View t, std::vector<PatternSpan>& out);
void find_amounts(View t, std::vector<PatternSpan>& out);
void find_case_numbers(View t, std::vector<PatternSpan>& out);
void find_courts(View t, std::vector<PatternSpan>& out);
void find_names(View t, std::vector<PatternSpan>& out);
void find_places(View t, std::vector<PatternSpan>& out);
void find_organizations(View t, std::vector<PatternSpan>& out);

/// Characters that end a backward scan for the start of a court or organisation name.
inline constexpr View kInstitutionStop =
    U"向由经被在于至到的将和与及对把以是系为交送报等投往赴去来从其该给让叫找任职了签订购买卖租借"
    U"汇转付收";

}  // namespace lcr::traindata::patterns
