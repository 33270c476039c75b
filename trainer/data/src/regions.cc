// Which parts of a case are analysed, and text helpers.
#include <algorithm>
#include <array>

#include "internal.h"

namespace lcr::traindata {
namespace {

constexpr std::array<std::string_view, 4> kReasoningMarkers = {"本院认为", "本院经审理认为",
                                                               "本院审理认为", "本院经审查认为"};
constexpr std::array<std::string_view, 7> kReasoningEnds = {
    "依照《", "依照中华人民共和国", "根据《", "依据《", "判决如下", "裁定如下", "据此，"};

size_t reasoning_start(std::string_view text) {
  size_t best = std::string_view::npos;
  for (auto m : kReasoningMarkers) best = std::min(best, text.find(m));
  return best;
}

size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

std::u32string capped(std::string_view s, size_t max_chars) {
  std::u32string t = to_u32(s);
  if (t.size() > max_chars) t.resize(max_chars);
  return t;
}

bool contains_any(std::u32string_view s, std::initializer_list<std::u32string_view> words) {
  for (auto w : words)
    if (s.find(w) != std::u32string_view::npos) return true;
  return false;
}

}  // namespace

std::string_view facts_of(const Case& c) {
  if (!c.facts.empty()) return c.facts;
  std::string_view text = c.text;
  size_t r = reasoning_start(text);
  return r == std::string_view::npos ? text : text.substr(0, r);
}

std::string truncate_chars(std::string_view s, size_t max_chars) {
  size_t i = 0, n = 0;
  while (i < s.size() && n < max_chars) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++n;
  }
  std::string_view t = s.substr(0, i);
  const auto ws = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  while (!t.empty() && ws(t.front())) t.remove_prefix(1);
  while (!t.empty() && ws(t.back())) t.remove_suffix(1);
  return std::string(t);
}

namespace detail {

std::vector<Region> case_regions(const Case& c, size_t max_chars) {
  std::vector<Region> out;
  std::string_view text = c.text;
  const size_t r = reasoning_start(text);
  if (!c.facts.empty()) {
    const size_t at = text.find(c.facts);
    if (at != std::string_view::npos)
      out.push_back({capped(c.facts, max_chars), count_chars(text.substr(0, at)), Field::Text});
    else
      out.push_back({capped(c.facts, max_chars), 0, Field::Facts});
  } else {
    out.push_back({capped(text.substr(0, r == std::string_view::npos ? text.size() : r), max_chars),
                   0, Field::Text});
  }
  if (r != std::string_view::npos) {
    size_t end = text.size();
    for (auto m : kReasoningEnds) {
      size_t e = text.find(m, r);
      if (e != std::string_view::npos) end = std::min(end, e);
    }
    out.push_back({capped(text.substr(r, end - r), max_chars), count_chars(text.substr(0, r)),
                   Field::Text});
  }
  return out;
}

bool is_boilerplate(std::u32string_view s) {
  return contains_any(s, {U"笔录", U"证言", U"证据", U"证实", U"清单", U"照片", U"书证", U"辩解",
                          U"户籍", U"证明", U"判决书", U"裁定书", U"起诉书", U"鉴定意见", U"检验报告",
                          U"视听资料", U"情况说明", U"经过", U"登记", U"决定书", U"无异议",
                          U"足以认定", U"予以确认", U"指控", U"查明", U"公诉机关", U"辩护人",
                          U"辩护意见", U"予以采纳", U"不予采纳", U"罪名成立", U"事实清楚", U"记录",
                          U"报告", U"复印件", U"材料", U"通知书", U"明细", U"光盘", U"截图",
                          U"扣押", U"调取", U"登记表", U"意见书", U"鉴定书", U"结论书", U"执照",
                          U"结果单", U"鉴定中心", U"证书", U"我"});
}

bool is_evidence_sentence(std::u32string_view s) {
  return contains_any(s, {U"笔录", U"证言", U"证据", U"清单", U"照片", U"书证", U"辩解",
                          U"无异议", U"足以认定", U"予以确认", U"视听资料", U"情况说明",
                          U"辩护人", U"辩护意见", U"我", U"《", U"追究", U"建议判处"});
}

}  // namespace detail
}  // namespace lcr::traindata
