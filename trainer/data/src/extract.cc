// Extraction: character values from the salient n-grams, the best span per clause under the
// first-token rule, de-duplication; and LEAD-style short queries.
#include <algorithm>
#include <cmath>

#include "internal.h"
#include "lcr/core/error.h"

namespace lcr::traindata {

using detail::Analysis;

void ExtractorOptions::validate() const {
  auto bad = [](const std::string& what) { throw Error("elements: bad option: " + what); };
  if (max_n < 2 || max_n > 12) bad("max_n must be in [2, 12]");
  if (min_df < 1) bad("min_df must be >= 1");
  if (prior_strength <= 0) bad("prior_strength must be > 0");
  if (max_case_count < 1) bad("max_case_count must be >= 1");
  if (saturation <= 0) bad("saturation must be > 0");
  if (min_support < 0 || min_support > 1) bad("min_support must be in [0, 1]");
  if (max_region_chars < 16) bad("max_region_chars must be >= 16");
  if (min_tokens < 1 || max_chars < min_tokens) bad("need 1 <= min_tokens <= max_chars");
  if (max_elements < 1) bad("max_elements must be >= 1");
  if (max_overlap <= 0 || max_overlap > 1) bad("max_overlap must be in (0, 1]");
  if (max_boundary_salience <= 0) bad("max_boundary_salience must be > 0");
  if (min_bigram_count < 1) bad("min_bigram_count must be >= 1");
  if (max_first_masked_share < 0 || max_first_masked_share > 1)
    bad("max_first_masked_share must be in [0, 1]");
}

ElementExtractor::ElementExtractor() : impl_(std::make_unique<Impl>()) {}
ElementExtractor::ElementExtractor(ElementExtractor&&) noexcept = default;
ElementExtractor& ElementExtractor::operator=(ElementExtractor&&) noexcept = default;
ElementExtractor::~ElementExtractor() = default;

const ExtractorOptions& ElementExtractor::options() const { return impl_->opt; }
const ExtractorStats& ElementExtractor::stats() const { return impl_->stats; }
const Tokenizer& ElementExtractor::tokenizer() const { return *impl_->tok; }
const std::vector<int32_t>& ElementExtractor::first_token_set() const { return impl_->first_ids; }

std::vector<std::string> ElementExtractor::first_token_pieces() const {
  std::vector<std::string> out;
  for (int32_t id : impl_->first_ids) out.push_back(impl_->tok->surface(id));
  return out;
}

bool ElementExtractor::is_first_token(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->first_flag.size() &&
         impl_->first_flag[static_cast<size_t>(id)];
}

bool ElementExtractor::cohesive(std::string_view bigram) const {
  const std::u32string s = to_u32(bigram);
  return s.size() == 2 && impl_->cohesive.find(detail::ngram_hash(s.data(), 2));
}

double ElementExtractor::salience(std::string_view ngram) const {
  const std::u32string s = to_u32(ngram);
  if (s.size() < 2) return 0;
  return impl_->salience.get(detail::ngram_hash(s.data(), s.size()));
}

void ElementExtractor::Impl::set_first_tokens(std::vector<int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  first_ids = std::move(ids);
  first_flag.assign(static_cast<size_t>(std::max(tok->vocab_size(), 0)), 0);
  first_chars.clear();
  for (int32_t id : first_ids) {
    if (id < 0 || id >= tok->vocab_size()) continue;
    first_flag[static_cast<size_t>(id)] = 1;
    const std::u32string s = to_u32(tok->surface(id));
    if (!s.empty()) first_chars.insert(s[0]);
  }
}

Analysis ElementExtractor::Impl::analyse(std::u32string text) const {
  Analysis a;
  a.text = std::move(text);
  const size_t n = a.text.size();
  a.mask = pattern_mask(a.text);
  a.valid.assign(n, 0);
  a.value.assign(n, 0);
  a.cross.assign(n + 1, 0);
  a.joined.assign(n + 1, 0);
  for (size_t p = 0; p < n; ++p) a.valid[p] = detail::ngram_char(a.text[p], a.mask[p]);
  for (size_t p = 1; p < n; ++p)
    a.joined[p] = a.valid[p - 1] && a.valid[p] && cohesive.find(detail::ngram_hash(a.text.data() + p - 1, 2));
  for (size_t p = 0; p < n; ++p) {
    for (size_t k = 2; k <= static_cast<size_t>(opt.max_n) && p + k <= n && a.valid[p + k - 1]; ++k) {
      if (!a.valid[p]) break;
      const float s = salience.get(detail::ngram_hash(a.text.data() + p, k));
      if (s <= 0) continue;
      for (size_t q = p; q < p + k; ++q) a.value[q] = std::max(a.value[q], s);
      for (size_t q = p + 1; q < p + k; ++q) a.cross[q] = std::max(a.cross[q], s);
    }
  }
  return a;
}

void ElementExtractor::Impl::spans(const Analysis& a, std::vector<Candidate>& out) const {
  const size_t n = a.text.size();
  std::vector<double> w(n), prefix(n + 1, 0);
  for (size_t p = 0; p < n; ++p) {
    if (detail::is_masked(a.mask[p])) w[p] = -opt.masked_cost;
    else if (a.mask[p] == PatternKind::Amount) w[p] = opt.amount_value;
    else w[p] = (a.valid[p] ? a.value[p] : 0.0) - opt.length_cost;
    prefix[p + 1] = prefix[p] + w[p];
  }
  // A span starts with a first token, and neither starts nor ends inside a word: never inside
  // a cohesive bigram, and inside a salient n-gram only next to a function character
  // (在道路上|醉酒).
  const std::u32string_view kFunction = detail::kFunctionChars;
  const float cut = static_cast<float>(opt.max_boundary_salience);
  auto boundary = [&](size_t p) {  // between p - 1 and p
    if (p == 0 || p >= n) return true;
    if (a.joined[p] || (a.text[p - 1] == U'目' && a.text[p] == U'的')) return false;
    return a.cross[p] < cut || kFunction.find(a.text[p - 1]) != std::u32string_view::npos ||
           kFunction.find(a.text[p]) != std::u32string_view::npos;
  };
  auto start_ok = [&](size_t p) {  // not a unit right after a number (12岁, 200米) either
    return a.valid[p] && !is_chinese_numeral(a.text[p]) && first_chars.count(a.text[p]) && boundary(p) &&
           (p == 0 || !(is_arabic_digit(a.text[p - 1]) || is_chinese_numeral(a.text[p - 1])));
  };
  auto end_ok = [&](size_t e) {  // the span ends before e
    const size_t l = e - 1;
    if (a.mask[l] == PatternKind::Amount) return e == n || a.mask[e] != PatternKind::Amount;
    return a.valid[l] && a.value[l] > 0 && boundary(e) && !is_chinese_numeral(a.text[l]) && a.text[l] != U'第' &&
           kFunction.find(a.text[l]) == std::u32string_view::npos;
  };
  const size_t min_len = static_cast<size_t>(opt.min_tokens), max_len = static_cast<size_t>(opt.max_chars);
  // Best span inside [b, e), then the best of what is left on either side.
  std::vector<std::pair<size_t, size_t>> todo;
  for (size_t p = 0; p < n;) {
    size_t e = p;
    while (e < n && !is_clause_break(a.text[e], e ? a.text[e - 1] : 0, e + 1 < n ? a.text[e + 1] : 0)) ++e;
    if (e > p && !detail::is_boilerplate(std::u32string_view(a.text).substr(p, e - p)))
      todo.emplace_back(p, e);
    p = e + 1;
  }
  while (!todo.empty()) {
    auto [cb, ce] = todo.back();
    todo.pop_back();
    double best = opt.min_score;
    size_t bb = 0, be = 0;
    for (size_t b = cb; b + min_len <= ce; ++b) {
      if (!start_ok(b)) continue;
      for (size_t e = b + min_len; e <= std::min(ce, b + max_len); ++e) {
        const double s = prefix[e] - prefix[b];
        if (s > best + 1e-9 && end_ok(e)) best = s, bb = b, be = e;
      }
    }
    if (be == 0) continue;
    Element el;
    el.text = to_utf8(std::u32string_view(a.text).substr(bb, be - bb));
    const auto ids = tok->encode(el.text);
    if (ids.size() >= min_len && !ids.empty() && static_cast<size_t>(ids[0]) < first_flag.size() &&
        first_flag[static_cast<size_t>(ids[0])]) {
      el.char_begin = bb;
      el.char_end = be;
      el.score = best;
      std::u32string shape;
      for (size_t p = bb; p < be; ++p) {
        const bool masked = detail::is_masked(a.mask[p]), digit = is_arabic_digit(a.text[p]);
        const char32_t c = masked ? U'某' : digit ? U'0' : a.text[p];
        if ((masked || digit) && !shape.empty() && shape.back() == c) continue;
        shape.push_back(c);
      }
      out.push_back({std::move(el), std::move(shape)});
    }
    if (bb - cb >= min_len) todo.emplace_back(cb, bb);
    if (ce - be >= min_len) todo.emplace_back(be, ce);
  }
}

namespace {
std::vector<uint64_t> bigrams(const std::u32string& t) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 1 < t.size(); ++i) out.push_back((uint64_t{t[i]} << 32) | t[i + 1]);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
double jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> common;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
  const size_t u = a.size() + b.size() - common.size();
  return u ? static_cast<double>(common.size()) / static_cast<double>(u) : 1.0;
}
}  // namespace

std::vector<Element> ElementExtractor::Impl::select(std::vector<Candidate> cand) const {
  std::stable_sort(cand.begin(), cand.end(), [](const Candidate& x, const Candidate& y) {
    const Element &a = x.element, &b = y.element;
    if (a.score != b.score) return a.score > b.score;
    if (a.field != b.field) return a.field < b.field;
    return a.char_begin < b.char_begin;
  });
  // Duplicates: the same shape (differing only in a name, a place or a number), one inside
  // the other, or too many character bigrams in common.
  std::vector<Element> out;
  std::vector<const std::u32string*> shapes;
  std::vector<std::vector<uint64_t>> grams;
  for (auto& c : cand) {
    if (out.size() >= opt.max_elements) break;
    auto g = bigrams(c.shape);
    bool dup = false;
    for (size_t i = 0; i < out.size() && !dup; ++i)
      dup = shapes[i]->find(c.shape) != std::u32string::npos || c.shape.find(*shapes[i]) != std::u32string::npos ||
            jaccard(g, grams[i]) > opt.max_overlap;
    if (dup) continue;
    shapes.push_back(&c.shape);
    grams.push_back(std::move(g));
    out.push_back(std::move(c.element));
  }
  return out;
}

std::vector<Element> ElementExtractor::extract(const Case& c) const {
  std::vector<Impl::Candidate> cand;
  for (auto& region : detail::case_regions(c, impl_->opt.max_region_chars)) {
    const size_t first = cand.size();
    impl_->spans(impl_->analyse(std::move(region.text)), cand);
    for (size_t i = first; i < cand.size(); ++i) {
      cand[i].element.char_begin += region.char_offset;
      cand[i].element.char_end += region.char_offset;
      cand[i].element.field = region.field;
    }
  }
  return impl_->select(std::move(cand));
}

std::vector<Element> ElementExtractor::extract(std::string_view text) const {
  std::vector<Impl::Candidate> cand;
  impl_->spans(impl_->analyse(to_u32(text)), cand);
  return impl_->select(std::move(cand));
}

std::string ElementExtractor::lead_query(std::string_view facts, int sentences,
                                         size_t max_chars) const {
  const Analysis a = impl_->analyse(to_u32(truncate_chars(facts, impl_->opt.max_region_chars)));
  const size_t n = a.text.size();
  struct Sent { size_t b, e; double score; };
  std::vector<Sent> sents;
  for (size_t p = 0; p < n;) {
    size_t e = p;
    while (e < n && !is_sentence_break(a.text[e])) ++e;
    const std::u32string_view s = std::u32string_view(a.text).substr(p, e - p);
    if (e > p && !detail::is_evidence_sentence(s)) {
      double v = 0;
      for (size_t q = p; q < e; ++q) v += a.value[q];
      if (v > 0) sents.push_back({p, e, v / std::sqrt(static_cast<double>(e - p) + 8.0)});
    }
    p = e + 1;
  }
  std::stable_sort(sents.begin(), sents.end(), [](const Sent& x, const Sent& y) { return x.score > y.score; });
  if (sents.size() > static_cast<size_t>(std::max(sentences, 0))) sents.resize(static_cast<size_t>(std::max(sentences, 0)));
  std::sort(sents.begin(), sents.end(), [](const Sent& x, const Sent& y) { return x.b < y.b; });
  std::u32string out;
  for (const auto& s : sents) {
    std::u32string sent = anonymise(a.text, a.mask, s.b, s.e);
    // Drop leading procedural clauses (公诉机关指控，经审理查明，).
    for (size_t c = sent.find_first_of(U"，,："); c != std::u32string::npos && c < 16;
         c = sent.find_first_of(U"，,：")) {
      if (!detail::is_boilerplate(std::u32string_view(sent).substr(0, c))) break;
      sent.erase(0, c + 1);
    }
    if (sent.empty()) continue;
    if (!out.empty() && out.size() + sent.size() + 1 > max_chars) break;
    out += sent;
    out += U'。';
  }
  if (out.size() > max_chars) {  // cut at the last clause break that fits
    size_t cut = out.find_last_of(U"，；。", max_chars - 1);
    out.resize(cut != std::u32string::npos && cut > max_chars / 2 ? cut : max_chars - 1);
    out += U'。';
  }
  return to_utf8(out);
}

}  // namespace lcr::traindata
