#include "lcr/fmindex/sharded.h"

#include <algorithm>
#include <string>

#include "lcr/core/error.h"

namespace lcr::fm {

namespace {
__extension__ using U128 = unsigned __int128;  // c * limit may pass 2^64
}  // namespace

ShardedFm::ShardedFm(FmIndex shard) { add_shard(std::move(shard)); }

void ShardedFm::add_shard(FmIndex shard) {
  if (shards_.size() >= kMaxShards)
    throw Error("fmindex: more than " + std::to_string(kMaxShards) +
                " shards; rebuild with a larger --shard-tokens");
  // Rows must fit State's 32-bit ranges: tokens + separators + end marker < 2^32.
  const uint64_t rows = shard.num_tokens() + shard.num_cases() + 1;
  if (rows > 0xFFFFFFFFull)
    throw Error("fmindex: a shard of " + std::to_string(rows) +
                " symbols; shards hold under 2^32 (use a smaller --shard-tokens)");
  if (static_cast<uint64_t>(cases_) + shard.num_cases() > 0xFFFFFFFFull)
    throw Error("fmindex: more than 2^32 - 1 cases in all");
  first_case_.push_back(cases_);
  cases_ += shard.num_cases();
  tokens_ += shard.num_tokens();
  shards_.push_back(std::move(shard));
}

size_t ShardedFm::shard_of(uint32_t d, uint32_t* local) const {
  if (d >= cases_) throw Error("fmindex: case " + std::to_string(d) + " out of range");
  // Last shard whose first case is <= d (shards are never empty of cases).
  size_t i = static_cast<size_t>(std::upper_bound(first_case_.begin(), first_case_.end(), d) -
                                 first_case_.begin()) -
             1;
  *local = d - first_case_[i];
  return i;
}

uint32_t ShardedFm::case_length(uint32_t d) const {
  uint32_t local = 0;
  size_t i = shard_of(d, &local);
  return shards_[i].case_length(local);
}

SpaceBreakdown ShardedFm::space() const {
  SpaceBreakdown s;
  for (const auto& f : shards_) {
    auto p = f.space();
    s.wavelet_tree += p.wavelet_tree;
    s.c_array += p.c_array;
    s.sample_marks += p.sample_marks;
    s.samples += p.samples;
    s.case_starts += p.case_starts;
  }
  return s;
}

State ShardedFm::root() const {
  State s;
  s.shards = static_cast<uint32_t>(shards_.size());
  for (size_t i = 0; i < shards_.size(); ++i) {
    PrefixState r = shards_[i].root();
    s.range[i] = {static_cast<uint32_t>(r.lo), static_cast<uint32_t>(r.hi)};
    s.total += r.count();
  }
  return s;
}

State ShardedFm::extend(const State& s, int32_t token) const {
  State t;
  t.length = s.length + 1;
  t.shards = s.shards;
  if (s.empty()) return t;
  if (s.shards == 1) {
    PrefixState r = shards_[0].extend(part(s, 0), token);
    if (!r.empty()) {
      t.range[0] = {static_cast<uint32_t>(r.lo), static_cast<uint32_t>(r.hi)};
      t.total = r.count();
    }
    return t;
  }
  // The shards where the sequence occurs, extended together (their walks overlap).
  const FmIndex* idx[kMaxShards] = {};
  PrefixState in[kMaxShards], out[kMaxShards];
  size_t which[kMaxShards], n = 0;
  for (size_t i = 0; i < s.shards; ++i) {
    if (s.range[i].hi <= s.range[i].lo) continue;  // the sequence is absent from this shard
    idx[n] = &shards_[i];
    in[n] = part(s, i);
    which[n++] = i;
  }
  FmIndex::extend_many(idx, in, out, n, token);
  for (size_t k = 0; k < n; ++k) {
    if (out[k].empty()) continue;
    t.range[which[k]] = {static_cast<uint32_t>(out[k].lo), static_cast<uint32_t>(out[k].hi)};
    t.total += out[k].count();
  }
  return t;
}

bool ShardedFm::can_follow(const State& s, int32_t token) const {
  for (size_t i = 0; i < s.shards; ++i)
    if (s.range[i].hi > s.range[i].lo && shards_[i].can_follow(part(s, i), token)) return true;
  return false;
}

State ShardedFm::find(const std::vector<int32_t>& tokens) const {
  State s = root();
  for (int32_t t : tokens) {
    s = extend(s, t);
    if (s.empty()) break;
  }
  s.length = static_cast<uint32_t>(tokens.size());
  return s;
}

void ShardedFm::next_tokens(const State& s, std::vector<TokenCount>* out) const {
  out->clear();
  if (s.empty()) return;
  if (s.shards == 1) return shards_[0].next_tokens(part(s, 0), out);
  thread_local std::vector<TokenCount> part_out;
  for (size_t i = 0; i < s.shards; ++i) {
    if (s.range[i].hi <= s.range[i].lo) continue;
    shards_[i].next_tokens(part(s, i), &part_out);
    out->insert(out->end(), part_out.begin(), part_out.end());
  }
  std::sort(out->begin(), out->end(),
            [](const TokenCount& a, const TokenCount& b) { return a.token < b.token; });
  size_t k = 0;  // merge equal tokens, summing counts
  for (size_t j = 0; j < out->size(); ++j) {
    if (k > 0 && (*out)[k - 1].token == (*out)[j].token)
      (*out)[k - 1].count += (*out)[j].count;
    else
      (*out)[k++] = (*out)[j];
  }
  out->resize(k);
}

void ShardedFm::next_tokens_topk(const State& s, size_t k, std::vector<TokenCount>* out) const {
  out->clear();
  if (s.empty() || k == 0) return;
  if (s.shards == 1) return shards_[0].next_tokens_topk(part(s, 0), k, out);
  // A token's total is only known after every shard is asked, so list them all.
  next_tokens(s, out);
  auto by_count = [](const TokenCount& a, const TokenCount& b) {
    return a.count != b.count ? a.count > b.count : a.token < b.token;
  };
  if (out->size() > k) {
    std::partial_sort(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(k), out->end(),
                      by_count);
    out->resize(k);
  } else {
    std::sort(out->begin(), out->end(), by_count);
  }
}

void ShardedFm::locate(const State& s, size_t limit, std::vector<Occurrence>* out) const {
  out->clear();
  if (s.empty() || s.length == 0) return;
  // Per-shard quotas: everything, or the limit split by count (largest remainders first).
  std::array<uint64_t, kMaxShards> quota{};
  if (limit == 0 || limit >= s.total) {
    for (size_t i = 0; i < s.shards; ++i) quota[i] = s.range[i].hi - s.range[i].lo;
  } else {
    uint64_t given = 0;
    std::array<std::pair<uint64_t, size_t>, kMaxShards> rem{};
    for (size_t i = 0; i < s.shards; ++i) {
      const uint64_t c = s.range[i].hi - s.range[i].lo;
      const U128 scaled = static_cast<U128>(c) * limit;
      quota[i] = static_cast<uint64_t>(scaled / s.total);
      rem[i] = {static_cast<uint64_t>(scaled % s.total), i};
      given += quota[i];
    }
    std::sort(rem.begin(), rem.begin() + s.shards,
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t j = 0; given < limit && j < s.shards; ++j, ++given) ++quota[rem[j].second];
  }
  thread_local std::vector<Occurrence> part_out;
  for (size_t i = 0; i < s.shards; ++i) {
    if (quota[i] == 0 || s.range[i].hi <= s.range[i].lo) continue;
    shards_[i].locate(part(s, i), quota[i], &part_out);
    for (auto o : part_out) {
      o.case_index += first_case_[i];
      out->push_back(o);
    }
  }
}

std::vector<uint32_t> ShardedFm::locate_cases(const State& s, size_t limit) const {
  std::vector<Occurrence> occ;
  locate(s, limit, &occ);
  std::vector<uint32_t> cases;
  cases.reserve(occ.size());
  for (const auto& o : occ) cases.push_back(o.case_index);
  std::sort(cases.begin(), cases.end());
  cases.erase(std::unique(cases.begin(), cases.end()), cases.end());
  return cases;
}

DocFreq ShardedFm::doc_freq(const State& s, uint64_t exact_limit) const {
  DocFreq d{0, true};
  for (size_t i = 0; i < s.shards; ++i) {
    if (s.range[i].hi <= s.range[i].lo) continue;
    DocFreq p = shards_[i].doc_freq(part(s, i), exact_limit);
    d.value += p.value;
    d.exact = d.exact && p.exact;
  }
  if (s.length == 0) d = {std::min<uint64_t>(s.total, cases_), false};
  return d;
}

std::vector<int32_t> ShardedFm::extract_case(uint32_t d) const {
  uint32_t local = 0;
  size_t i = shard_of(d, &local);
  return shards_[i].extract_case(local);
}

}  // namespace lcr::fm
