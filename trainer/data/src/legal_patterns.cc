// The recognisers of legal_patterns.h. Each scans the text once and appends spans; the
// spans are then painted in priority order so the stronger kind wins an overlap.
#include "lcr/traindata/legal_patterns.h"

#include <algorithm>
#include <array>

#include "pattern_detail.h"

namespace lcr::traindata {
namespace patterns {

// ---------------------------------------------------------------- dates and times
constexpr std::array<View, 52> kTimeWords = {
    U"凌晨", U"上午", U"下午", U"中午", U"晚上", U"傍晚", U"深夜", U"夜间", U"半夜", U"午夜",
    U"清晨", U"早上", U"早晨", U"当晚", U"当夜", U"当日", U"当天", U"次日", U"翌日", U"同日",
    U"同月", U"同年", U"次年", U"当年", U"当月", U"今年", U"去年", U"前年", U"年初", U"年底",
    U"年末", U"月初", U"月底", U"月末", U"上旬", U"中旬", U"下旬", U"某日", U"某月", U"某年",
    U"某时", U"元旦", U"春节", U"国庆", U"中秋", U"除夕", U"白天", U"晚间", U"次月", U"前日",
    U"昨日", U"今日"};
constexpr std::array<View, 14> kDateSuffixes = {U"许", U"左右", U"份", U"底", U"初", U"末",
                                                U"中旬", U"上旬", U"下旬", U"间", U"前后",
                                                U"以来", U"期间", U"多"};
constexpr View kChineseDateNumerals = U"〇零一二三四五六七八九十";

// End of one date part (a number with its unit, or a time word) at p; p when none.
static size_t date_part(View t, size_t p, bool after_date) {
  if (size_t w = match_any(t, p, kTimeWords)) return p + w;
  size_t q = p;
  while (q < t.size() && is_arabic_digit(t[q])) ++q;
  const size_t digits = q - p;
  if (digits > 0) {
    if (q >= t.size()) return p;
    const char32_t u = t[q];
    if (u == U'年' && digits == 4) return q + 1;
    if (u == U'月' && digits <= 2) return q + 1;
    if ((u == U'日' || u == U'时' || u == U'点') && digits <= 2) return q + 1;
    if ((u == U'号' || u == U'分' || u == U'秒') && digits <= 2 && after_date) return q + 1;
    if (u == U'、' && digits <= 2 && q + 2 < t.size() && is_arabic_digit(t[q + 1])) {
      size_t r = q + 1;
      while (r < t.size() && is_arabic_digit(t[r])) ++r;
      if (r < t.size() && t[r] == U'月') return r + 1;
    }
    if ((u == U'-' || u == U'.' || u == U'/') && digits == 4) {  // 2015-03-12, 2015.3.12
      size_t r = q + 1, d1 = 0, d2 = 0;
      while (r < t.size() && is_arabic_digit(t[r])) ++r, ++d1;
      if (d1 >= 1 && d1 <= 2 && r < t.size() && t[r] == u) {
        ++r;
        while (r < t.size() && is_arabic_digit(t[r])) ++r, ++d2;
        if (d2 >= 1 && d2 <= 2) return r;
      }
    }
    return p;
  }
  while (q < t.size() && in(kChineseDateNumerals, t[q])) ++q;
  const size_t n = q - p;
  if (n == 0 || q >= t.size()) return p;
  const char32_t u = t[q];
  if (u == U'年' && n == 4) return q + 1;
  if (u == U'月' && n <= 3) {
    if (after_date) return q + 1;
    const View rest = t.substr(q + 1);
    size_t r = 0;
    while (r < rest.size() && in(kChineseDateNumerals, rest[r])) ++r;
    if (r > 0 && r < rest.size() && (rest[r] == U'日' || rest[r] == U'号')) return q + 1;
    if (!rest.empty() && (in(U"份初底许", rest[0]) || at(rest, 0, U"中旬") ||
                          at(rest, 0, U"上旬") || at(rest, 0, U"下旬")))
      return q + 1;
    return p;
  }
  if ((u == U'日' || u == U'号' || u == U'分') && n <= 3 && after_date) return q + 1;
  if ((u == U'时' || u == U'点') && n <= 3 && (after_date || at(t, q + 1, U"许"))) return q + 1;
  return p;
}

void find_dates(View t, std::vector<PatternSpan>& out) {
  for (size_t p = 0; p < t.size();) {
    size_t q = p;
    bool any = false;
    for (;;) {
      size_t r = date_part(t, q, any);
      if (r == q) break;
      q = r;
      any = true;
      while (size_t s = match_any(t, q, kDateSuffixes)) q += s;
    }
    if (any) {
      out.push_back({PatternKind::Date, p, q});
      p = q;
    } else {
      ++p;
    }
  }
}

// ---------------------------------------------------------------- amounts
constexpr std::array<View, 22> kUnits = {
    U"元", U"美元", U"港元", U"欧元", U"日元", U"块", U"克", U"千克", U"公斤", U"吨", U"斤",
    U"毫升", U"升", U"mg/100ml", U"mg/100mL", U"毫克/100毫升", U"毫克", U"%", U"％", U"万元",
    U"千元", U"亿元"};

void find_amounts(View t, std::vector<PatternSpan>& out) {
  for (size_t p = 0; p < t.size();) {
    const bool prefix = at(t, p, U"人民币");
    const size_t num = prefix ? p + 3 : p;
    size_t q = num;
    bool arabic = false, chinese = false;
    while (q < t.size()) {
      const char32_t c = t[q], prev = q > num ? t[q - 1] : 0,
                     next = q + 1 < t.size() ? t[q + 1] : 0;
      if (is_arabic_digit(c)) {
        arabic = true;
      } else if (is_chinese_numeral(c)) {
        chinese = true;
      } else if (!(((c == U'.' || c == U',') && is_arabic_digit(prev) && is_arabic_digit(next)) ||
                   ((c == U'余' || c == U'多') && q > num))) {
        break;
      }
      ++q;
    }
    if (!arabic && !chinese) {
      ++p;
      continue;
    }
    const size_t unit = match_any(t, q, kUnits);
    // Chinese numerals alone need a unit, and 块/升 after them are words (一块, 上升).
    const bool ok = arabic ? (unit > 0 || prefix)
                           : unit > 0 && t[q] != U'块' && t[q] != U'升' && (q - num > 1 || t[num] != U'一');
    if (!ok) {
      p = q;
      continue;
    }
    q += unit;
    if (size_t s = match_any(t, q, std::array<View, 3>{U"余", U"多", U"左右"})) q += s;
    out.push_back({PatternKind::Amount, p, q});
    p = q;
  }
}

// ---------------------------------------------------------------- case numbers and courts
void find_case_numbers(View t, std::vector<PatternSpan>& out) {
  for (size_t p = 0; p + 6 < t.size(); ++p) {
    if (!in(U"（(〔［[", t[p])) continue;
    size_t q = p + 1;
    while (q < t.size() && t[q] == U' ') ++q;
    size_t d = q;
    while (d < t.size() && is_arabic_digit(t[d])) ++d;
    if (d - q != 4 || d >= t.size() || !in(U"）)〕］]", t[d])) continue;
    size_t e = d + 1, limit = std::min(t.size(), d + 22);
    while (e < limit && t[e] != U'号' && !is_clause_break(t[e])) ++e;
    if (e >= limit || t[e] != U'号') continue;
    size_t b = p;
    while (b > 0 && p - b < 10 && !is_clause_break(t[b - 1]) && !in(U"以经于由依据按照的及和与书", t[b - 1]))
      --b;
    out.push_back({PatternKind::CaseNumber, b, e + 1});
    p = e;
  }
}

constexpr std::array<View, 22> kInstitutions = {
    U"人民法院", U"人民检察院", U"检察院", U"法院", U"公安局", U"分局", U"派出所", U"看守所",
    U"拘留所", U"戒毒所", U"监狱", U"司法局", U"大队", U"中队", U"支队", U"公安厅", U"海关",
    U"缉私局", U"监察委员会", U"检察分院", U"本院", U"上级法院"};

void find_courts(View t, std::vector<PatternSpan>& out) {
  for (size_t p = 0; p < t.size(); ++p) {
    size_t w = match_any(t, p, kInstitutions);
    if (w == 0) continue;
    size_t b = p;
    while (b > 0 && p - b < 14 && is_cjk(t[b - 1]) && !in(kInstitutionStop, t[b - 1]))
      --b;
    out.push_back({PatternKind::Court, b, p + w});
    p += w - 1;
  }
}

}  // namespace patterns

std::vector<PatternSpan> find_patterns(std::u32string_view text) {
  using namespace patterns;
  std::vector<PatternSpan> spans;
  find_places(text, spans);
  find_organizations(text, spans);
  find_names(text, spans);
  find_amounts(text, spans);
  find_dates(text, spans);
  find_courts(text, spans);
  find_case_numbers(text, spans);
  // Paint by priority (the order above is the priority order, weakest first).
  auto rank = [](PatternKind k) {
    switch (k) {
      case PatternKind::Place: return 1;
      case PatternKind::Organization: return 2;
      case PatternKind::Name: return 3;
      case PatternKind::Amount: return 4;
      case PatternKind::Date: return 5;
      case PatternKind::Court: return 6;
      case PatternKind::CaseNumber: return 7;
      case PatternKind::None: break;
    }
    return 0;
  };
  std::stable_sort(spans.begin(), spans.end(),
                   [&](const PatternSpan& a, const PatternSpan& b) { return rank(a.kind) < rank(b.kind); });
  std::vector<PatternKind> mask(text.size(), PatternKind::None);
  for (const auto& s : spans)
    std::fill(mask.begin() + static_cast<long>(s.begin),
              mask.begin() + static_cast<long>(std::min(s.end, text.size())), s.kind);
  std::vector<PatternSpan> out;
  for (size_t p = 0; p < mask.size();) {
    if (mask[p] == PatternKind::None) {
      ++p;
      continue;
    }
    size_t e = p;
    while (e < mask.size() && mask[e] == mask[p]) ++e;
    out.push_back({mask[p], p, e});
    p = e;
  }
  return out;
}

std::u32string anonymise(std::u32string_view text, const std::vector<PatternKind>& mask,
                         size_t begin, size_t end) {
  end = std::min(end, text.size());
  std::u32string out;
  for (size_t p = begin; p < end;) {
    const PatternKind k = mask[p];
    if (k != PatternKind::None && k != PatternKind::Amount) {
      size_t e = p;
      while (e < end && mask[e] == k) ++e;
      const std::u32string_view ph = k == PatternKind::Name ? U"某人" : k == PatternKind::Place ? U"某地"
                                     : k == PatternKind::Date ? U"某日" : k == PatternKind::Court ? U"某机关"
                                     : k == PatternKind::Organization ? U"某单位" : U"";
      if (out.size() < ph.size() || out.compare(out.size() - ph.size(), ph.size(), ph) != 0) out += ph;
      p = e;
      continue;
    }
    if (text[p] == U'（' || text[p] == U'(') {  // short parentheticals go
      size_t e = p + 1;
      while (e < end && e - p <= 21 && text[e] != U'）' && text[e] != U')') ++e;
      if (e < end && e - p <= 21) {
        p = e + 1;
        continue;
      }
    }
    out.push_back(text[p++]);
  }
  return out;
}

std::string anonymise(std::string_view text) {
  const std::u32string u = to_u32(text);
  return to_utf8(anonymise(u, pattern_mask(u), 0, u.size()));
}

std::string anonymise(std::string_view text, std::string_view context) {
  if (text == context) return anonymise(text);
  // One mask over the context, a line break and the text: the name recogniser marks every
  // mention of a name it found anywhere, so the text's bare mentions are marked too.
  std::u32string u = to_u32(context);
  u += U'\n';
  const size_t begin = u.size();
  u += to_u32(text);
  return to_utf8(anonymise(u, pattern_mask(u), begin, u.size()));
}

}  // namespace lcr::traindata
