// Code point helpers and character classes for legal_patterns.h.
#include <algorithm>

#include "lcr/traindata/legal_patterns.h"

namespace lcr::traindata {

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len > 0 && i + static_cast<size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cb & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (cb & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(c);
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string to_utf8(std::u32string_view t) {
  std::string out;
  out.reserve(t.size() * 3);
  for (char32_t c : t) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2EBEF) || (c >= 0xF900 && c <= 0xFAFF) || c == 0x3007;
}

bool is_arabic_digit(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= U'０' && c <= U'９');
}

bool is_chinese_numeral(char32_t c) {
  static constexpr std::u32string_view kNumerals = U"〇零一二三四五六七八九十百千万亿两";
  return kNumerals.find(c) != std::u32string_view::npos;
}

bool is_clause_break(char32_t c, char32_t prev, char32_t next) {
  if ((c == U',' || c == U'.') && is_arabic_digit(prev) && is_arabic_digit(next)) return false;
  static constexpr std::u32string_view kBreaks =
      U"，。；：、！？,.;:!?（）()【】[]{}“”\"‘’'「」『』《》〈〉…—―| \t\r\n\u3000\u00a0·";
  return kBreaks.find(c) != std::u32string_view::npos;
}

bool is_sentence_break(char32_t c) {
  static constexpr std::u32string_view kBreaks = U"。！？；!?;\n\r";
  return kBreaks.find(c) != std::u32string_view::npos;
}

const char* pattern_kind_name(PatternKind kind) {
  switch (kind) {
    case PatternKind::Date: return "date";
    case PatternKind::Name: return "name";
    case PatternKind::Place: return "place";
    case PatternKind::Amount: return "amount";
    case PatternKind::CaseNumber: return "case-number";
    case PatternKind::Court: return "court";
    case PatternKind::Organization: return "organization";
    case PatternKind::None: break;
  }
  return "none";
}

std::vector<PatternKind> pattern_mask(std::u32string_view text) {
  std::vector<PatternKind> mask(text.size(), PatternKind::None);
  for (const auto& s : find_patterns(text))
    std::fill(mask.begin() + static_cast<long>(s.begin), mask.begin() + static_cast<long>(s.end),
              s.kind);
  return mask;
}

}  // namespace lcr::traindata
