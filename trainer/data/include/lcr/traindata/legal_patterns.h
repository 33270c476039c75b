// Recognisers for the parts of a Chinese judgment that are *not* legal elements: dates and
// times (2015年3月12日, 3月许, 16时25分许, 凌晨), person names (被告人张某某, 被害人王某, 李某1,
// names after role words and their other mentions), places (某市某区, 本市青山湖区冶金大道, 王家村,
// 8号, and a gazetteer of provinces and big cities: 济南, 广东), case numbers
// ((2018)赣0111刑初123号), courts and other institutions (…人民法院, …公安局), organisations
// (…有限公司, …支行, …工作室), and amounts (人民币3000元, 1.2万余元, 0.03克, 185.6mg/100ml), which are informative inside an
// element but never its first token.
//
// Everything works on code points (std::u32string) so that offsets are character offsets.
// The recognisers are heuristics tuned on criminal judgments; they favour masking a little
// too much over letting a name or a date start an element. Reused by the element extractor
// (trainer/data), the LEAD query builder and anything else that needs to blank out
// identifying details.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lcr::traindata {

/// What a recognised span is. Amount is the only kind that may appear inside an element.
enum class PatternKind : uint8_t {
  None = 0, Date, Name, Place, Amount, CaseNumber, Court, Organization
};

/// "date", "name", "place", "amount", "case-number", "court", "organization" ("none").
const char* pattern_kind_name(PatternKind kind);

/// A recognised span [begin, end) in code points.
struct PatternSpan {
  PatternKind kind = PatternKind::None;
  size_t begin = 0;
  size_t end = 0;
};

/// UTF-8 to code points; each invalid byte becomes U+FFFD (never throws).
std::u32string to_u32(std::string_view utf8);
/// Code points to UTF-8.
std::string to_utf8(std::u32string_view text);

/// CJK ideograph (the unified blocks and extensions, and 〇).
bool is_cjk(char32_t c);
/// ASCII or full-width digit.
bool is_arabic_digit(char32_t c);
/// A Chinese numeral character: 〇零一二三四五六七八九十百千万亿两.
bool is_chinese_numeral(char32_t c);
/// Characters that end a clause: ，。；：、！？ and their ASCII forms, brackets, quotes,
/// whitespace. An ASCII ',' or '.' between two digits (1,000 / 0.03) does not count; pass the
/// neighbours to decide (0 when there is none).
bool is_clause_break(char32_t c, char32_t prev = 0, char32_t next = 0);
/// Characters that end a sentence: 。！？；!?; and newlines.
bool is_sentence_break(char32_t c);

/// All recognised spans in `text`, sorted and non-overlapping. Where recognisers overlap the
/// stronger kind wins (case number > court > date > amount > name > organisation > place).
std::vector<PatternSpan> find_patterns(std::u32string_view text);

/// One kind per code point (None outside every span): find_patterns painted onto the text.
std::vector<PatternKind> pattern_mask(std::u32string_view text);

/// `text[begin, end)` with its identifying details replaced, as the LEAD-style short queries
/// and anonymised model sources read: names, places, dates, courts and organisations become
/// 某人, 某地, 某日, 某机关 and 某单位 (a placeholder right after the same one is not
/// repeated), case numbers and short parentheticals (at most 20 characters: （另案处理）,
/// （男，1985年生）) are dropped; amounts and everything else stay. `mask` is
/// pattern_mask(text).
std::u32string anonymise(std::u32string_view text, const std::vector<PatternKind>& mask,
                         size_t begin, size_t end);
/// The whole of a UTF-8 text anonymised (see above). Shorter than the text when it names
/// people, places or dates: on LeCaRD's dev queries a model's fixed source window then holds
/// more of the acts.
std::string anonymise(std::string_view text);
/// `text` anonymised as a part of `context`, the whole query or case it was cut from: the
/// names `context` introduces (被告人张三) are replaced where `text` mentions them bare
/// (张三称...), as they are when the whole is anonymised. Equals anonymise(text) when `text`
/// is `context`.
std::string anonymise(std::string_view text, std::string_view context);

}  // namespace lcr::traindata
