// Fitting the extractor: n-gram document frequencies per charge (apriori over lengths, so
// only n-grams whose two (n-1)-gram parts are frequent are counted), their salience, and the
// core first-token set.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <unordered_map>

#include "internal.h"
#include "lcr/core/error.h"
#include "lcr/core/progress.h"

namespace lcr::traindata {
namespace {

using detail::FlatMap;

// The analysed text of every case as dense character ids (0 = not an n-gram character).
struct Packed {
  std::vector<uint16_t> ids;
  std::vector<uint64_t> starts{0};
  std::vector<std::vector<uint16_t>> charges;  // scored charge indices per case
  std::vector<uint32_t> charge_cases;          // cases per scored charge
  std::vector<char32_t> id2cp{0};
  std::vector<uint64_t> occurrences{0}, masked{0};
  std::vector<uint64_t> valid_occurrences{0};  // outside every pattern
  uint64_t valid_total = 0;
  uint64_t labelled_cases = 0;

  uint64_t cases() const { return starts.size() - 1; }
  uint64_t hash_at(uint64_t p, int k) const {
    char32_t buf[16];
    for (int i = 0; i < k; ++i) buf[i] = id2cp[ids[p + static_cast<uint64_t>(i)]];
    return detail::ngram_hash(buf, static_cast<size_t>(k));
  }
};

Packed pack(const CaseSource& next, const ExtractorOptions& o, bool progress) {
  Packed pk;
  std::unordered_map<char32_t, uint16_t> cp2id;
  std::unordered_map<std::string, uint32_t> charge_index;
  std::vector<uint32_t> raw_counts;
  std::vector<std::vector<uint32_t>> raw_charges;
  std::unique_ptr<Progress> bar;
  if (progress) bar = std::make_unique<Progress>("elements: reading corpus", 0, "cases");
  Case c;
  while (next(c)) {
    for (const auto& region : detail::case_regions(c, o.max_region_chars)) {
      const auto mask = pattern_mask(region.text);
      for (size_t p = 0; p < region.text.size(); ++p) {
        const char32_t ch = region.text[p];
        if (!is_cjk(ch)) {
          pk.ids.push_back(0);
          continue;
        }
        auto [it, fresh] = cp2id.emplace(ch, 0);
        if (fresh) {
          if (pk.id2cp.size() >= 65536) {  // more characters than ids: treat as unknown
            cp2id.erase(it);
            pk.ids.push_back(0);
            continue;
          }
          it->second = static_cast<uint16_t>(pk.id2cp.size());
          pk.id2cp.push_back(ch);
          pk.occurrences.push_back(0);
          pk.valid_occurrences.push_back(0);
          pk.masked.push_back(0);
        }
        ++pk.occurrences[it->second];
        if (detail::is_masked(mask[p])) ++pk.masked[it->second];
        const bool valid = detail::ngram_char(ch, mask[p]);
        pk.ids.push_back(valid ? it->second : 0);
        pk.valid_occurrences[it->second] += valid;
        pk.valid_total += valid;
      }
      pk.ids.push_back(0);
    }
    pk.starts.push_back(pk.ids.size());
    std::vector<uint32_t> cs;
    for (const auto& name : c.charges) {
      auto [it, fresh] = charge_index.emplace(name, static_cast<uint32_t>(raw_counts.size()));
      if (fresh) raw_counts.push_back(0);
      if (std::find(cs.begin(), cs.end(), it->second) == cs.end()) cs.push_back(it->second);
    }
    for (uint32_t i : cs) ++raw_counts[i];
    raw_charges.push_back(std::move(cs));
    if (bar) bar->update(pk.cases());
  }
  if (bar) bar->finish();
  // Charges with enough cases are scored; at most 65535 of them (the count key's width).
  std::vector<int32_t> remap(raw_counts.size(), -1);
  for (size_t i = 0; i < raw_counts.size(); ++i)
    if (raw_counts[i] >= o.min_charge_cases && pk.charge_cases.size() < 65535) {
      remap[i] = static_cast<int32_t>(pk.charge_cases.size());
      pk.charge_cases.push_back(raw_counts[i]);
    }
  for (const auto& cs : raw_charges) {
    std::vector<uint16_t> scored;
    for (uint32_t i : cs)
      if (remap[i] >= 0) scored.push_back(static_cast<uint16_t>(remap[i]));
    pk.labelled_cases += !scored.empty();
    pk.charges.push_back(std::move(scored));
  }
  return pk;
}

// Log-odds ratio of the n-gram's rate in the charge's cases against the other cases, with an
// informative Dirichlet prior (Monroe, Colaresi & Quinn 2008): counts are occurrences capped
// per case (burstiness), the prior is `prior_strength` average cases' worth of text spread by
// the n-gram's corpus rate. Kept (salience > 0) when the n-gram is in enough of the charge's
// cases (support) and the ratio is significant.
struct Assoc {
  double salience = 0, z = 0;
};
struct ClassCounts {
  double cases = 0, present = 0;  // cases of the charge, those with the n-gram
  double count = 0, mass = 0;     // capped occurrences of the n-gram, of all n-grams
};
Assoc association(const ClassCounts& c, double total_count, double total_mass, double n_cases,
                  const ExtractorOptions& o) {
  if (c.present < o.min_df || c.present < o.min_support * c.cases) return {};
  const double a0 = o.prior_strength * total_mass / n_cases;
  const double a = a0 * total_count / total_mass;
  const double y1 = c.count, n1 = c.mass, y0 = total_count - c.count, n0 = total_mass - c.mass;
  const double d = std::log((y1 + a) / (n1 + a0 - y1 - a)) - std::log((y0 + a) / (n0 + a0 - y0 - a));
  const double z = d / std::sqrt(1 / (y1 + a) + 1 / (y0 + a));
  if (!std::isfinite(z) || d <= 0 || z < o.min_z) return {};
  return {std::min(1.0, d / o.saturation), z};
}

double idf_salience(double df, double n, const ExtractorOptions& o) {
  const double lo = std::log(2.0), hi = std::log(n / std::max<double>(1, o.min_df));
  if (hi <= lo) return 0;
  return std::clamp((std::log(n / df) - lo) / (hi - lo), 0.0, 1.0);
}

struct Bits {
  std::vector<uint64_t> w;
  explicit Bits(size_t n) : w((n + 63) / 64, 0) {}
  bool get(uint64_t i) const { return (w[i >> 6] >> (i & 63)) & 1; }
  void set(uint64_t i) { w[i >> 6] |= uint64_t{1} << (i & 63); }
};

// Bigrams that are words (or inside one): frequent, and far more frequent than their
// characters' rates predict (pointwise mutual information over character occurrences).
template <class Candidate>
void find_cohesive(const Packed& pk, const ExtractorOptions& o, const Candidate& candidate,
                   FlatMap<uint8_t>& out) {
  FlatMap<uint32_t> count(pk.id2cp.size() * 64);
  for (uint64_t p = 0; p + 1 < pk.ids.size(); ++p)
    if (candidate(p)) ++count[pk.hash_at(p, 2)];
  const double total = static_cast<double>(std::max<uint64_t>(pk.valid_total, 1));
  for (uint64_t p = 0; p + 1 < pk.ids.size(); ++p) {
    if (!candidate(p)) continue;
    const uint64_t key = pk.hash_at(p, 2);
    const double n = count.get(key);
    if (n < o.min_bigram_count || out.find(key)) continue;
    const double x = static_cast<double>(pk.valid_occurrences[pk.ids[p]]);
    const double y = static_cast<double>(pk.valid_occurrences[pk.ids[p + 1]]);
    if (std::log(n * total / (x * y)) >= o.min_pmi) out[key] = 1;
  }
}

}  // namespace

ElementExtractor ElementExtractor::fit(const CaseSource& next, const Tokenizer& tok,
                                       const ExtractorOptions& o, bool progress) {
  o.validate();
  const auto t0 = std::chrono::steady_clock::now();
  Packed pk = pack(next, o, progress);
  const uint64_t n_cases = pk.cases();
  if (n_cases == 0) throw Error("elements: the corpus has no cases to fit on");
  ElementExtractor ex = ExtractorAccess::make();
  auto& im = ExtractorAccess::impl(ex);
  im.tok = &tok;
  im.opt = o;
  auto& st = im.stats;
  st.cases = n_cases;
  st.labelled_cases = pk.labelled_cases;
  st.scored_charges = pk.charge_cases.size();
  st.labelled = pk.charge_cases.size() >= 2;
  const double N = static_cast<double>(n_cases);

  std::unique_ptr<Progress> bar;
  if (progress)
    bar = std::make_unique<Progress>("elements: counting n-grams",
                                     2 * static_cast<uint64_t>(o.max_n) * n_cases, "case passes");
  uint64_t done = 0;
  std::vector<float> unigram(pk.id2cp.size(), 0), unigram_z(pk.id2cp.size(), 0);
  Bits alive(pk.ids.size());
  for (uint64_t p = 0; p < pk.ids.size(); ++p)
    if (pk.ids[p] != 0) alive.set(p);
  size_t expected = pk.id2cp.size();
  for (int k = 1; k <= o.max_n; ++k) {
    auto candidate = [&](uint64_t p) {
      return k == 1 ? alive.get(p) : p + 1 < pk.ids.size() && alive.get(p) && alive.get(p + 1);
    };
    // Pass A: document frequencies of the candidates.
    FlatMap<uint32_t> df(expected);
    std::vector<uint64_t> keys;
    for (uint64_t i = 0; i < n_cases; ++i) {
      keys.clear();
      for (uint64_t p = pk.starts[i]; p < pk.starts[i + 1]; ++p)
        if (candidate(p)) keys.push_back(pk.hash_at(p, k));
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (uint64_t key : keys) ++df[key];
      if (bar) bar->update(++done);
    }
    if (k == 2) find_cohesive(pk, o, candidate, im.cohesive);
    FlatMap<uint32_t> index(df.size() / 4 + 16);
    std::vector<uint64_t> idx_key;
    std::vector<uint32_t> idx_df;
    df.for_each([&](uint64_t key, uint32_t v) {
      if (v < o.min_df) return;
      index[key] = static_cast<uint32_t>(idx_key.size() + 1);
      idx_key.push_back(key);
      idx_df.push_back(v);
    });
    df = FlatMap<uint32_t>(16);
    st.ngrams_counted += idx_key.size();
    expected = idx_key.size() * 2;
    // Pass B: mark where frequent n-grams start (for length k + 1) and count them per charge:
    // presence in the low 32 bits, capped occurrences in the high ones.
    Bits next_alive(pk.ids.size());
    FlatMap<uint64_t> per_charge(st.labelled ? idx_key.size() * 4 : 16);
    std::vector<double> total_count(idx_key.size(), 0), mass(pk.charge_cases.size(), 0);
    double total_mass = 0;
    std::vector<uint32_t> idxs;
    for (uint64_t i = 0; i < n_cases; ++i) {
      idxs.clear();
      for (uint64_t p = pk.starts[i]; p < pk.starts[i + 1]; ++p) {
        if (!candidate(p)) continue;
        const uint32_t j = index.get(pk.hash_at(p, k));
        if (j == 0) continue;
        next_alive.set(p);
        idxs.push_back(j);
      }
      if (st.labelled) {
        std::sort(idxs.begin(), idxs.end());
        double case_mass = 0;
        for (size_t r = 0; r < idxs.size();) {
          size_t e = r;
          while (e < idxs.size() && idxs[e] == idxs[r]) ++e;
          const uint64_t tf = std::min<uint64_t>(e - r, o.max_case_count);
          total_count[idxs[r] - 1] += static_cast<double>(tf);
          case_mass += static_cast<double>(tf);
          for (uint16_t c : pk.charges[i]) per_charge[(uint64_t{idxs[r]} << 16) | c] += (tf << 32) | 1;
          r = e;
        }
        total_mass += case_mass;
        for (uint16_t c : pk.charges[i]) mass[c] += case_mass;
      }
      if (bar) bar->update(++done);
    }
    std::vector<float> best(idx_key.size(), 0), best_z(idx_key.size(), 0);
    if (st.labelled) {
      per_charge.for_each([&](uint64_t key, uint64_t v) {
        const size_t idx = (key >> 16) - 1;
        const uint16_t c = key & 0xFFFF;
        const ClassCounts cc{static_cast<double>(pk.charge_cases[c]), static_cast<double>(v & 0xFFFFFFFF),
                             static_cast<double>(v >> 32), mass[c]};
        const Assoc as = association(cc, total_count[idx], total_mass, N, o);
        best[idx] = std::max(best[idx], static_cast<float>(as.salience));
        best_z[idx] = std::max(best_z[idx], static_cast<float>(as.z));
      });
    } else {
      for (size_t idx = 0; idx < idx_key.size(); ++idx)
        best_z[idx] = best[idx] = static_cast<float>(idf_salience(idx_df[idx], N, o));
    }
    if (k == 1) {
      for (size_t id = 1; id < pk.id2cp.size(); ++id) {
        const uint32_t j = index.get(detail::ngram_hash(&pk.id2cp[id], 1));
        if (j) unigram[id] = best[j - 1], unigram_z[id] = best_z[j - 1];
      }
    } else {
      for (size_t idx = 0; idx < idx_key.size(); ++idx)
        if (best[idx] > 0) im.salience[idx_key[idx]] = best[idx];
    }
    alive = std::move(next_alive);
    if (idx_key.empty()) break;
  }
  if (bar) bar->finish();
  st.salient_ngrams = im.salience.size();

  // Core first-token set: strongly associated characters (salience over a threshold, the
  // most significant first) that are not numerals or function characters and are seldom
  // inside dates, names or places; then every piece that starts with one of them.
  static constexpr std::u32string_view kNever = U"某年月日时分秒许省市县区镇乡村路街巷号元";
  std::vector<size_t> chars;
  for (size_t id = 1; id < pk.id2cp.size(); ++id) {
    const char32_t ch = pk.id2cp[id];
    if (is_chinese_numeral(ch) || kNever.find(ch) != std::u32string_view::npos ||
        detail::kFunctionChars.find(ch) != std::u32string_view::npos)
      continue;
    if (unigram[id] < o.min_first_salience) continue;
    if (static_cast<double>(pk.masked[id]) >
        o.max_first_masked_share * static_cast<double>(pk.occurrences[id]))
      continue;
    chars.push_back(id);
  }
  std::sort(chars.begin(), chars.end(), [&](size_t a, size_t b) {
    if (unigram_z[a] != unigram_z[b]) return unigram_z[a] > unigram_z[b];
    if (pk.occurrences[a] != pk.occurrences[b]) return pk.occurrences[a] > pk.occurrences[b];
    return pk.id2cp[a] < pk.id2cp[b];
  });
  if (chars.size() > o.max_first_tokens) chars.resize(o.max_first_tokens);
  std::unordered_set<char32_t> first;
  for (size_t id : chars) first.insert(pk.id2cp[id]);
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < tok.vocab_size(); ++id) {
    if (tok.is_control(id) || tok.is_byte(id)) continue;
    const std::u32string s = to_u32(tok.surface(id));
    if (s.empty() || !first.count(s[0])) continue;
    if (std::all_of(s.begin(), s.end(), is_cjk)) ids.push_back(id);
  }
  im.set_first_tokens(std::move(ids));
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ex;
}

ElementExtractor ElementExtractor::fit(const std::vector<Case>& cases, const Tokenizer& tok,
                                       const ExtractorOptions& o) {
  size_t i = 0;
  return fit([&](Case& c) { return i < cases.size() ? (c = cases[i++], true) : false; }, tok, o,
             false);
}

ElementExtractor ElementExtractor::fit_file(const std::string& path, const Tokenizer& tok,
                                            const ExtractorOptions& o, bool progress,
                                            const CorpusReadOptions& read) {
  CorpusReader reader(path, read);
  return fit([&](Case& c) { return reader.next(c); }, tok, o, progress);
}

}  // namespace lcr::traindata
