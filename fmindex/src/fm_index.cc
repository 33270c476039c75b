#include "lcr/fmindex/fm_index.h"

#include <divsufsort.h>
#include <divsufsort64.h>
#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <istream>
#include <limits>
#include <ostream>
#include <queue>
#include <sdsl/construct.hpp>
#include <sdsl/sd_vector.hpp>
#include <sdsl/wavelet_trees.hpp>

#include "huff_wt.h"
#include "lcr/core/error.h"

#if defined(__linux__) && !defined(MADV_COLLAPSE)
#define MADV_COLLAPSE 25  // Linux 6.1+ (linux/mman.h); glibc's sys/mman.h has it from 2.37
#endif

namespace lcr::fm {

namespace {

using Wt = HuffWt;  // huff_wt.h
using Sparse = sdsl::sd_vector<>;

// A sparse bit vector of length n with ones at the sorted positions `ones`.
Sparse make_sparse(uint64_t n, const std::vector<uint64_t>& ones) {
  sdsl::sd_vector_builder b(n, ones.size());
  for (uint64_t p : ones) b.set(p);
  return Sparse(b);
}

constexpr uint64_t kSep = 1;   // case separator symbol
constexpr int32_t kShift = 2;  // tokenizer id + 2 = text symbol

// sdsl counts bits with a SWAR sequence unless built for SSE4.2, and each level's popcounts
// sit on a walk's critical path (a level's ranks give the next level's positions). So the
// walks get a popcnt clone, picked by the CPU when the program starts: GCC turns the SWAR
// sequence into one popcnt instruction in a function built for that target, and `flatten`
// pulls sdsl's rank code into it. About 10% off extend and off locate on LeCaRD.
// GCC only: Clang refuses target_clones together with flatten (the build uses g++).
#if defined(__x86_64__) && !defined(__POPCNT__) && defined(__GNUC__) && !defined(__clang__)
#define LCR_WALK_CLONES __attribute__((target_clones("popcnt", "default"), flatten))
#else
#define LCR_WALK_CLONES
#endif

// Asks the kernel to back [p, p + bytes) with 2 MiB pages, now (MADV_COLLAPSE, Linux 6.1+)
// and for later faults. Every level of a wavelet-tree walk is a random access into the
// wavelet tree's bits (82 MB on LeCaRD, 20,000 pages of 4 KiB), so with small pages most
// levels also miss the TLB and pay a page-table walk on top of the cache miss. Advice only:
// failures (no THP, old kernel, no free huge page) leave the small pages as they were.
void advise_huge_pages(const void* p, uint64_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t a = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e <= a) return;
  madvise(reinterpret_cast<void*>(a), e - a, MADV_HUGEPAGE);
  madvise(reinterpret_cast<void*>(a), e - a, MADV_COLLAPSE);
#endif
}

// interval_rank (huff_wt.h) behind the popcnt clone.
LCR_WALK_CLONES std::pair<uint64_t, uint64_t> walk_interval_rank(const HuffWt& wt, uint64_t i,
                                                                 uint64_t j, uint64_t c) {
  return interval_rank(wt, i, j, c);
}

}  // namespace

struct FmIndex::Impl {
  Wt wt;
  sdsl::int_vector<64> C;  // C[c] = number of text symbols smaller than c; size sigma+1
  Sparse marks;            // rows whose text position is a multiple of sample_rate
  Sparse::rank_1_type marks_rank;
  sdsl::int_vector<> samples;  // text position / sample_rate of each marked row
  Sparse starts;               // text position where each case starts
  Sparse::rank_1_type starts_rank;
  Sparse::select_1_type starts_select;
  uint64_t n = 0;  // text length including separators and the end marker
  uint32_t cases = 0;
  uint32_t rate = 32;

  void init_supports() {
    marks_rank = Sparse::rank_1_type(&marks);
    starts_rank = Sparse::rank_1_type(&starts);
    starts_select = Sparse::select_1_type(&starts);
  }

  uint64_t sym_count(uint64_t c) const { return c + 1 < C.size() ? C[c + 1] - C[c] : 0; }

  // Text position of BWT row i: LF steps until a sampled row (each a root-to-leaf walk, so
  // the popcnt clone pays off here as in extend).
  LCR_WALK_CLONES uint64_t sa(uint64_t i) const {
    uint64_t steps = 0;
    while (!marks[i]) {
      auto [r, c] = wt.inverse_select(i);
      i = C[c] + r;
      ++steps;
    }
    return samples[marks_rank(i)] * rate + steps;
  }

  uint64_t case_start(uint32_t d) const { return starts_select(d + 1); }
  uint64_t case_end(uint32_t d) const {  // position of the separator after case d
    return d + 1 < cases ? starts_select(d + 2) - 1 : n - 2;
  }
};

FmIndex::FmIndex() : impl_(std::make_unique<Impl>()) {}
FmIndex::FmIndex(FmIndex&&) noexcept = default;
FmIndex& FmIndex::operator=(FmIndex&&) noexcept = default;
FmIndex::~FmIndex() = default;

FmIndex FmIndex::build(const std::vector<std::vector<int32_t>>& cases, uint32_t sample_rate) {
  std::vector<uint16_t> text;
  std::vector<uint64_t> starts;
  size_t total = 0;
  for (const auto& c : cases) total += c.size() + 1;
  text.reserve(total + 1);
  for (const auto& c : cases) {
    starts.push_back(text.size());
    for (auto it = c.rbegin(); it != c.rend(); ++it) {
      if (*it < 0 || *it > 65533) throw Error("fmindex: token id out of range [0, 65533]");
      text.push_back(static_cast<uint16_t>(*it + kShift));
    }
    text.push_back(static_cast<uint16_t>(kSep));
  }
  return build_from_text(std::move(text), std::move(starts), sample_rate);
}

namespace {

// Token suffix array by sorting the 2-byte big-endian spelling of the text with
// libdivsufsort and keeping even suffixes: they compare token by token.
template <typename SaIdx, typename SortFn>
std::vector<SaIdx> token_suffix_array(const std::vector<uint16_t>& text, SortFn sort) {
  const size_t n = text.size();
  std::vector<uint8_t> bytes(2 * n);
  for (size_t i = 0; i < n; ++i) {
    bytes[2 * i] = static_cast<uint8_t>(text[i] >> 8);
    bytes[2 * i + 1] = static_cast<uint8_t>(text[i] & 0xFF);
  }
  std::vector<SaIdx> sa(2 * n);
  if (sort(bytes.data(), sa.data(), static_cast<SaIdx>(2 * n)) != 0)
    throw Error("fmindex: suffix sorting failed (out of memory?)");
  std::vector<uint8_t>().swap(bytes);
  size_t k = 0;
  for (size_t i = 0; i < 2 * n; ++i)
    if ((sa[i] & 1) == 0) sa[k++] = sa[i] / 2;
  sa.resize(k);
  sa.shrink_to_fit();
  return sa;
}

template <typename SaIdx>
void finish_build(FmIndex::Impl& m, const std::vector<uint16_t>& text,
                  const std::vector<SaIdx>& sa) {
  const uint64_t n = text.size();
  sdsl::int_vector<> bwt(n, 0, 16);
  std::vector<uint64_t> marked_rows;
  sdsl::int_vector<> samples(n / m.rate + 1, 0, sdsl::bits::hi(n / m.rate + 1) + 1);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t p = static_cast<uint64_t>(sa[i]);
    bwt[i] = p == 0 ? 0 : text[p - 1];
    if (p % m.rate == 0) {
      samples[marked_rows.size()] = p / m.rate;
      marked_rows.push_back(i);
    }
  }
  samples.resize(marked_rows.size());
  m.samples = std::move(samples);
  m.marks = make_sparse(n, marked_rows);
  sdsl::construct_im(m.wt, bwt, 0);
}

}  // namespace

FmIndex FmIndex::build_from_text(std::vector<uint16_t>&& text, std::vector<uint64_t> case_starts,
                                 uint32_t sample_rate) {
  if (sample_rate < 1 || sample_rate > 4096)
    throw Error("fmindex: sample rate must be in [1, 4096]");
  FmIndex idx;
  auto& m = *idx.impl_;
  m.rate = sample_rate;
  m.cases = static_cast<uint32_t>(case_starts.size());
  text.push_back(0);  // the unique, smallest end marker
  m.n = text.size();
  uint64_t sigma = 0;
  for (uint16_t t : text) sigma = std::max<uint64_t>(sigma, t);
  sigma += 1;
  m.C = sdsl::int_vector<64>(sigma + 1, 0);
  for (uint16_t t : text) ++m.C[t + 1];
  for (uint64_t c = 1; c <= sigma; ++c) m.C[c] += m.C[c - 1];
  m.starts = make_sparse(m.n, case_starts);
  if (2 * m.n < static_cast<uint64_t>(std::numeric_limits<saidx_t>::max())) {
    auto sa = token_suffix_array<saidx_t>(
        text, [](const uint8_t* t, saidx_t* s, saidx_t n) { return divsufsort(t, s, n); });
    finish_build(m, text, sa);
  } else {
    auto sa = token_suffix_array<saidx64_t>(
        text, [](const uint8_t* t, saidx64_t* s, saidx64_t n) { return divsufsort64(t, s, n); });
    finish_build(m, text, sa);
  }
  std::vector<uint16_t>().swap(text);
  m.init_supports();
  return idx;
}

uint64_t FmIndex::serialize(std::ostream& out) const {
  const auto& m = *impl_;
  uint64_t w = 0;
  w += sdsl::write_member(m.n, out);
  w += sdsl::write_member(m.cases, out);
  w += sdsl::write_member(m.rate, out);
  w += m.wt.serialize(out);
  w += m.C.serialize(out);
  w += m.marks.serialize(out);
  w += m.samples.serialize(out);
  w += m.starts.serialize(out);
  return w;
}

void FmIndex::load(std::istream& in, const std::string& what) {
  auto& m = *impl_;
  sdsl::read_member(m.n, in);
  sdsl::read_member(m.cases, in);
  sdsl::read_member(m.rate, in);
  if (!in || m.rate == 0 || m.rate > 4096) throw Error(what + ": malformed FM-index header");
  m.wt.load(in);
  m.C.load(in);
  m.marks.load(in);
  m.samples.load(in);
  m.starts.load(in);
  if (!in) throw Error(what + ": FM-index data ends early");
  if (m.wt.size() != m.n || m.C.size() < 3 || m.C[m.C.size() - 1] != m.n || m.marks.size() != m.n ||
      m.starts.size() != m.n)
    throw Error(what + ": FM-index parts do not agree with each other");
  m.init_supports();
  advise_huge_pages(m.wt.bv.data(), m.wt.bv.capacity() / 8);
}

uint64_t FmIndex::num_tokens() const { return impl_->n - impl_->cases - 1; }
uint32_t FmIndex::num_cases() const { return impl_->cases; }
uint32_t FmIndex::sample_rate() const { return impl_->rate; }

uint32_t FmIndex::case_length(uint32_t d) const {
  assert(d < impl_->cases);
  return static_cast<uint32_t>(impl_->case_end(d) - impl_->case_start(d));
}

SpaceBreakdown FmIndex::space() const {
  const auto& m = *impl_;
  SpaceBreakdown s;
  s.wavelet_tree = sdsl::size_in_bytes(m.wt);
  s.c_array = sdsl::size_in_bytes(m.C);
  s.sample_marks = sdsl::size_in_bytes(m.marks);
  s.samples = sdsl::size_in_bytes(m.samples);
  s.case_starts = sdsl::size_in_bytes(m.starts);
  return s;
}

PrefixState FmIndex::root() const {
  // Rows of case tokens only: skip the end marker and the separators (symbols 0 and 1).
  const auto& m = *impl_;
  return {m.C.size() > kSep + 1 ? m.C[kSep + 1] : m.n, m.n, 0};
}

PrefixState FmIndex::extend(const PrefixState& s, int32_t token) const {
  const auto& m = *impl_;
  const uint64_t c = static_cast<uint64_t>(token) + kShift;
  if (token < 0 || m.sym_count(c) == 0 || s.empty()) return {0, 0, s.length + 1};
  if (s.length == 0) return {m.C[c], m.C[c + 1], 1};
  auto [lo, hi] = walk_interval_rank(m.wt, s.lo, s.hi, c);
  if (lo == hi) return {0, 0, s.length + 1};
  return {m.C[c] + lo, m.C[c] + hi, s.length + 1};
}

bool FmIndex::can_follow(const PrefixState& s, int32_t token) const {
  const auto& m = *impl_;
  const uint64_t c = static_cast<uint64_t>(token) + kShift;
  if (token < 0 || m.sym_count(c) == 0 || s.empty()) return false;
  if (s.length == 0) return true;
  auto [lo, hi] = walk_interval_rank(m.wt, s.lo, s.hi, c);
  return lo != hi;
}

namespace {
LCR_WALK_CLONES void walk_interval_rank_many(const HuffWt* const* wts,
                                             const std::pair<uint64_t, uint64_t>* in,
                                             std::pair<uint64_t, uint64_t>* out, size_t n,
                                             uint64_t c) {
  interval_rank_many(wts, in, out, n, c);
}
}  // namespace

void FmIndex::extend_many(const FmIndex* const* indexes, const PrefixState* in, PrefixState* out,
                          size_t n, int32_t token) {
  if (n > 64) throw Error("fmindex: extend_many takes at most 64 indexes");
  const HuffWt* wts[64];
  std::pair<uint64_t, uint64_t> iv[64], res[64];
  size_t map[64], m_n = 0;  // which inputs need a walk
  for (size_t k = 0; k < n; ++k) {
    const auto& m = *indexes[k]->impl_;
    const uint64_t c = static_cast<uint64_t>(token) + kShift;
    out[k] = {0, 0, in[k].length + 1};
    if (token < 0 || m.sym_count(c) == 0 || in[k].empty()) continue;
    if (in[k].length == 0) {
      out[k] = {m.C[c], m.C[c + 1], 1};
      continue;
    }
    wts[m_n] = &m.wt;
    iv[m_n] = {in[k].lo, in[k].hi};
    map[m_n++] = k;
  }
  if (m_n == 0) return;
  walk_interval_rank_many(wts, iv, res, m_n, static_cast<uint64_t>(token) + kShift);
  for (size_t x = 0; x < m_n; ++x) {
    const size_t k = map[x];
    if (res[x].first == res[x].second) continue;
    const auto& m = *indexes[k]->impl_;
    const uint64_t c = static_cast<uint64_t>(token) + kShift;
    out[k] = {m.C[c] + res[x].first, m.C[c] + res[x].second, in[k].length + 1};
  }
}

PrefixState FmIndex::find(const std::vector<int32_t>& tokens) const {
  PrefixState s = root();
  for (int32_t t : tokens) {
    s = extend(s, t);
    if (s.empty()) break;
  }
  s.length = static_cast<uint32_t>(tokens.size());
  return s;
}

void FmIndex::next_tokens(const PrefixState& s, std::vector<TokenCount>* out) const {
  const auto& m = *impl_;
  out->clear();
  if (s.empty()) return;
  if (s.length == 0) {
    for (uint64_t c = kSep + 1; c + 1 < m.C.size(); ++c)
      if (m.sym_count(c)) out->push_back({static_cast<int32_t>(c - kShift), m.sym_count(c)});
    return;
  }
  thread_local std::vector<uint64_t> cs, ri, rj;
  const size_t sigma = m.wt.sigma;
  if (cs.size() < sigma) {
    cs.resize(sigma);
    ri.resize(sigma);
    rj.resize(sigma);
  }
  uint64_t k = 0;
  m.wt.interval_symbols(s.lo, s.hi, k, cs, ri, rj);
  for (uint64_t i = 0; i < k; ++i)
    if (cs[i] > kSep) out->push_back({static_cast<int32_t>(cs[i] - kShift), rj[i] - ri[i]});
  std::sort(out->begin(), out->end(),
            [](const TokenCount& a, const TokenCount& b) { return a.token < b.token; });
}

void FmIndex::next_tokens_topk(const PrefixState& s, size_t k, std::vector<TokenCount>* out) const {
  const auto& m = *impl_;
  out->clear();
  if (s.empty() || k == 0) return;
  if (s.length == 0) {
    next_tokens(s, out);
    std::stable_sort(out->begin(), out->end(),
                     [](const TokenCount& a, const TokenCount& b) { return a.count > b.count; });
    if (out->size() > k) out->resize(k);
    return;
  }
  // Best-first over wavelet-tree nodes by interval width: a node's width bounds the count of
  // every symbol below it, so leaves pop in non-increasing count order.
  using Node = typename Wt::node_type;
  struct Item {
    uint64_t width;
    Node node;
    uint64_t lo;  // inclusive range [lo, lo + width)
    bool operator<(const Item& o) const { return width < o.width; }
  };
  std::priority_queue<Item> pq;
  pq.push({s.hi - s.lo, m.wt.root(), s.lo});
  while (!pq.empty() && out->size() < k) {
    Item it = pq.top();
    pq.pop();
    if (m.wt.is_leaf(it.node)) {
      uint64_t c = m.wt.sym(it.node);
      if (c > kSep) out->push_back({static_cast<int32_t>(c - kShift), it.width});
      continue;
    }
    auto children = m.wt.expand(it.node);
    const sdsl::range_type range{{it.lo, it.lo + it.width - 1}};
    auto ranges = m.wt.expand(it.node, range);
    for (int b = 0; b < 2; ++b) {
      uint64_t w = ranges[b][1] + 1 - ranges[b][0];
      if (w > 0) pq.push(Item{w, children[b], ranges[b][0]});
    }
  }
}

void FmIndex::locate(const PrefixState& s, size_t limit, std::vector<Occurrence>* out) const {
  const auto& m = *impl_;
  out->clear();
  if (s.empty() || s.length == 0) return;
  uint64_t end = limit == 0 ? s.hi : std::min<uint64_t>(s.hi, s.lo + limit);
  out->reserve(end - s.lo);
  for (uint64_t i = s.lo; i < end; ++i) {
    uint64_t p = m.sa(i);  // position of the pattern's last token (reversed text)
    uint32_t d = static_cast<uint32_t>(m.starts_rank(p + 1) - 1);
    uint64_t start = m.case_start(d);
    uint64_t len = m.case_end(d) - start;
    uint64_t q = p - start;
    out->push_back({d, static_cast<uint32_t>(len - q - s.length)});
  }
}

DocFreq FmIndex::doc_freq(const PrefixState& s, uint64_t exact_limit) const {
  if (s.empty()) return {0, true};
  if (s.count() > exact_limit || s.length == 0)
    return {std::min<uint64_t>(s.count(), impl_->cases), false};
  std::vector<Occurrence> occ;
  locate(s, 0, &occ);
  std::vector<uint32_t> ids;
  ids.reserve(occ.size());
  for (const auto& o : occ) ids.push_back(o.case_index);
  std::sort(ids.begin(), ids.end());
  return {static_cast<uint64_t>(std::unique(ids.begin(), ids.end()) - ids.begin()), true};
}

std::vector<int32_t> FmIndex::extract_case(uint32_t d) const {
  const auto& m = *impl_;
  if (d >= m.cases) throw Error("fmindex: case " + std::to_string(d) + " out of range");
  // Find the row whose suffix starts at case d's separator, then LF-walk: each step yields
  // the next token in reading order.
  const uint64_t sep_pos = m.case_end(d);
  uint64_t row = m.n;
  for (uint64_t i = m.C[kSep]; i < m.C[kSep + 1]; ++i)
    if (m.sa(i) == sep_pos) {
      row = i;
      break;
    }
  std::vector<int32_t> out;
  if (row == m.n) return out;
  const uint32_t len = case_length(d);
  out.reserve(len);
  for (uint32_t k = 0; k < len; ++k) {
    auto [r, c] = m.wt.inverse_select(row);
    out.push_back(static_cast<int32_t>(c) - kShift);
    row = m.C[c] + r;
  }
  return out;
}

}  // namespace lcr::fm
