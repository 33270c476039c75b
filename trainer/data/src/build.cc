// build_training_data: fit (or load) the extractor, extract every case's targets, then write
// the pairs, the first-token set and the manifest into a staged directory.
#include "lcr/traindata/build.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "internal.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/core/progress.h"
#include "lcr/fmindex/index.h"
#include "lcr/traindata/legal_patterns.h"
#include "targets.h"

namespace lcr::traindata {
namespace {

using json = nlohmann::json;
using detail::Rng;

struct CaseTargets {
  std::string id;
  std::string source, lead;
  // Window sources, verbatim, each twice window_chars long: the window is its first
  // window_chars characters, and anonymising (which shortens a text) cuts from all of it.
  std::vector<std::u32string> windows;
  std::vector<std::string> targets;  // best first
  std::string charge_key;            // sorted charges joined; empty when none
  std::vector<std::string> charges;
  bool valid = false;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct Writer {
  std::ofstream out;
  std::string path;
  explicit Writer(std::string p) : out(p, std::ios::binary | std::ios::trunc), path(std::move(p)) {
    if (!out) throw Error(path + ": cannot write");
  }
  void line(const json& j) { out << j.dump() << '\n'; }
  void close() {
    out.close();
    if (!out) throw Error(path + ": write failed (disk full?)");
  }
};

// The charge filter's view of the index: which cases hold a text, and each case's charges
// (sorted), both cached.
class ChargeShares {
 public:
  ChargeShares(const TrainDataOptions& o, const Tokenizer& tok)
      : index_(fm::Index::open(o.index)), limit_(o.charge_locate_limit) {
    if (index_.tokenizer().hash() != tok.hash())
      throw Error(o.index + ": the index was built with another tokenizer (hash " +
                  hex64(index_.tokenizer().hash()) + ") than --tokenizer " + o.tokenizer + " (" +
                  hex64(tok.hash()) + "); build it with that tokenizer");
    charges_.resize(index_.num_cases());
    loaded_.assign(index_.num_cases(), 0);
  }
  // Global case index of a corpus case; throws when the index lacks it.
  uint32_t case_of(const std::string& id, const std::string& corpus) const {
    const int64_t d = index_.find_case(id);
    if (d < 0)
      throw Error(corpus + ": case '" + id + "' is not in the index given for the charge filter; "
                  "build that index from the same corpus");
    return static_cast<uint32_t>(d);
  }
  // Of the cases other than `self` holding `text`, the share with a charge among `charges`
  // (sorted); -1 when no other case holds it.
  double share(const std::string& text, uint32_t self, const std::vector<std::string>& charges) {
    const auto& holders = holders_of(text);
    uint64_t total = 0, same = 0;
    for (uint32_t d : holders) {
      if (d == self) continue;
      ++total;
      const auto& cs = charges_of(d);
      bool common = false;
      for (size_t a = 0, b = 0; a < cs.size() && b < charges.size() && !common;) {
        if (cs[a] == charges[b]) common = true;
        else if (cs[a] < charges[b]) ++a;
        else ++b;
      }
      same += common;
    }
    return total == 0 ? -1.0 : static_cast<double>(same) / static_cast<double>(total);
  }

 private:
  const std::vector<uint32_t>& holders_of(const std::string& text) {
    auto it = holders_.find(text);
    if (it != holders_.end()) return it->second;
    const auto s = index_.fm().find(index_.encode(text));
    return holders_.emplace(text, index_.fm().locate_cases(s, limit_)).first->second;
  }
  const std::vector<std::string>& charges_of(uint32_t d) {
    if (!loaded_[d]) {
      auto cs = index_.get_case(d).charges;
      std::sort(cs.begin(), cs.end());
      charges_[d] = std::move(cs);
      loaded_[d] = 1;
    }
    return charges_[d];
  }
  fm::Index index_;
  size_t limit_;
  std::vector<std::vector<std::string>> charges_;
  std::vector<char> loaded_;
  std::unordered_map<std::string, std::vector<uint32_t>> holders_;
};

// Of the targets `t` (best first), at most `limit`: those `text` contains first, then the
// others, each group best first.
std::vector<size_t> contained_first(const std::string& text, const std::vector<std::string>& t,
                                    int limit) {
  std::vector<size_t> order;
  for (size_t k = 0; k < t.size(); ++k)
    if (text.find(t[k]) != std::string::npos) order.push_back(k);
  for (size_t k = 0; k < t.size(); ++k)
    if (text.find(t[k]) == std::string::npos) order.push_back(k);
  order.resize(std::min(order.size(), static_cast<size_t>(limit)));
  return order;
}

// Window sources of a case: `o.window_sources` sentences of its facts (not the first
// window_chars / 2 characters, which the main source covers, and not evidence lists), chosen
// at random with a seed of the case id, each the start of a window of o.window_chars.
void window_sources(const Case& c, const TrainDataOptions& o, CaseTargets& ct) {
  const std::u32string f = to_u32(truncate_chars(facts_of(c), 4000));
  std::vector<size_t> starts;
  for (size_t p = o.window_chars / 2; p + 20 < f.size(); ++p) {
    if (!is_sentence_break(f[p - 1]) || is_sentence_break(f[p])) continue;
    size_t e = p;
    while (e < f.size() && !is_sentence_break(f[e])) ++e;
    if (!detail::is_evidence_sentence(std::u32string_view(f).substr(p, e - p))) starts.push_back(p);
  }
  Rng rng(xxh64(c.id, o.seed ^ 0x77696e646fULL));
  const size_t n = std::min(starts.size(), static_cast<size_t>(o.window_sources));
  for (size_t k = 0; k < n; ++k) std::swap(starts[k], starts[k + rng.below(starts.size() - k)]);
  starts.resize(n);
  std::sort(starts.begin(), starts.end());
  for (size_t p : starts) ct.windows.emplace_back(std::u32string_view(f).substr(p, 2 * o.window_chars));
}

json options_json(const TrainDataOptions& o) {
  return {{"max_source_chars", o.max_source_chars},
          {"targets", o.targets == Targets::Naive ? "naive" : "elements"},
          {"augment_share", o.augment_share},
          {"valid_share", o.valid_share},
          {"seed", o.seed},
          {"import_elements", o.import_elements},
          {"extractor", o.extractor},
          {"max_query_pairs", o.max_query_pairs},
          {"max_element_pairs", o.max_element_pairs},
          {"max_lead_pairs", o.max_lead_pairs},
          {"partner_pairs", o.partner_pairs},
          {"lead_sentences", o.lead_sentences},
          {"lead_max_chars", o.lead_max_chars},
          {"anonymise_sources", o.anonymise_sources},
          {"window_sources", o.window_sources},
          {"window_chars", o.window_chars},
          {"window_pairs", o.window_pairs},
          {"max_cases", o.max_cases},
          {"min_charge_share", o.min_charge_share},
          {"index", o.index},
          {"charge_locate_limit", o.charge_locate_limit},
          {"elements", detail::extractor_options_json(o.extractor_options)}};
}

}  // namespace

void TrainDataOptions::validate() const {
  auto bad = [](const std::string& what) { throw Error("train data: bad option: " + what); };
  if (corpus.empty()) bad("--corpus is required");
  if (tokenizer.empty()) bad("--tokenizer is required");
  if (out.empty()) bad("--out is required");
  if (max_source_chars < 16) bad("--max-source-chars must be >= 16");
  if (!(augment_share >= 0 && augment_share <= 1)) bad("--augment-share must be in [0, 1]");
  if (!(valid_share >= 0 && valid_share < 1)) bad("--valid-share must be in [0, 1)");
  if (max_query_pairs < 1) bad("--max-query-pairs must be >= 1");
  if (max_element_pairs < 0 || max_lead_pairs < 0 || partner_pairs < 0)
    bad("pair limits must be >= 0");
  if (lead_sentences < 1 || lead_max_chars < 16) bad("--lead-sentences >= 1, --lead-max-chars >= 16");
  if (window_sources < 0 || window_pairs < 1 || window_chars < 16)
    bad("--window-sources >= 0, --window-pairs >= 1, --window-chars >= 16");
  if (!(min_charge_share >= 0 && min_charge_share <= 1)) bad("--min-charge-share must be in [0, 1]");
  if (min_charge_share > 0 && index.empty())
    bad("--min-charge-share needs --index, an lcr index of the same corpus");
  if (min_charge_share > 0 && targets == Targets::Naive)
    bad("--min-charge-share filters legal elements; naive targets are random spans");
  if (charge_locate_limit < 1) bad("--charge-locate-limit must be >= 1");
  extractor_options.validate();
}

TrainDataResult build_training_data(const TrainDataOptions& o) {
  o.validate();
  TrainDataResult res;
  const auto t0 = std::chrono::steady_clock::now();
  const Tokenizer tok = Tokenizer::load(o.tokenizer);
  CorpusReadOptions read;
  read.skip_bad = o.skip_bad;
  auto limited = [&](CorpusReader& r) {
    return [&r, &o](Case& c) { return (o.max_cases == 0 || r.cases_read() < o.max_cases) && r.next(c); };
  };
  ElementExtractor ex = [&] {
    if (!o.extractor.empty()) return ElementExtractor::load(o.extractor, tok);
    CorpusReader r(o.corpus, read);
    return ElementExtractor::fit(limited(r), tok, o.extractor_options, o.progress);
  }();
  res.extractor = ex.stats();
  res.fit_seconds = seconds_since(t0);
  detail::ImportedElements imported;
  if (!o.import_elements.empty()) imported = detail::read_imported_elements(o.import_elements);

  std::unique_ptr<ChargeShares> shares;
  if (o.min_charge_share > 0) shares = std::make_unique<ChargeShares>(o, tok);
  double share_before = 0, share_after = 0;

  StagedDir dir(o.out);
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<CaseTargets> cases;
  std::vector<int32_t> first = ex.first_token_set();
  {
    Writer elements(dir.path() + "/elements.jsonl");
    CorpusReader reader(o.corpus, read);
    auto next = limited(reader);
    std::unique_ptr<Progress> bar;
    if (o.progress) bar = std::make_unique<Progress>("train data: extracting", res.extractor.cases, "cases");
    Case c;
    uint64_t seen_imports = 0;
    while (next(c)) {
      CaseTargets ct;
      ct.id = c.id;
      ct.source = o.anonymise_sources
                      ? truncate_chars(anonymise(truncate_chars(facts_of(c), 2 * o.max_source_chars)),
                                       o.max_source_chars)
                      : truncate_chars(facts_of(c), o.max_source_chars);
      ct.valid = static_cast<double>(xxh64(c.id, o.seed) >> 11) * 0x1.0p-53 < o.valid_share;
      ct.charges = c.charges;
      std::sort(ct.charges.begin(), ct.charges.end());
      ct.charges.erase(std::unique(ct.charges.begin(), ct.charges.end()), ct.charges.end());
      for (const auto& ch : ct.charges) ct.charge_key += ch + "\x1f";
      std::vector<Element> els;
      auto imp = imported.find(c.id);
      if (imp != imported.end()) {
        ++seen_imports;
        ++res.imported_cases;
        els = detail::verbatim_elements(c, imp->second, res.import_dropped);
        res.imported_elements += els.size();
        for (const auto& e : els) {
          const auto ids = tok.encode(e.text);
          if (!ids.empty() && !ex.is_first_token(ids[0]) &&
              std::find(first.begin(), first.end(), ids[0]) == first.end()) {
            first.push_back(ids[0]);
            ++res.first_tokens_added_by_import;
          }
        }
      } else {
        els = ex.extract(c);
      }
      if (shares && !ct.charges.empty() && !els.empty()) {
        const uint32_t self = shares->case_of(c.id, o.corpus);
        std::vector<Element> kept;
        for (auto& e : els) {
          const double sh = shares->share(e.text, self, ct.charges);
          ++res.charge_scored;
          share_before += std::max(sh, 0.0);
          if (sh >= o.min_charge_share) {
            ++res.charge_kept;
            share_after += sh;
            kept.push_back(std::move(e));
          }
        }
        els = std::move(kept);
      }
      if (o.targets == Targets::Naive) {
        Rng rng(xxh64(c.id, o.seed ^ 0x6e61697665ULL));
        els = detail::naive_spans(c, els, o.extractor_options.max_region_chars, rng);
      }
      json scores = json::array(), texts = json::array();
      for (const auto& e : els) {
        ct.targets.push_back(e.text);
        texts.push_back(e.text);
        scores.push_back(static_cast<double>(static_cast<int64_t>(e.score * 1000)) / 1000);
      }
      elements.line({{"id", c.id}, {"elements", texts}, {"scores", scores}});
      if (o.max_lead_pairs > 0 && !ct.targets.empty())
        ct.lead = ex.lead_query(facts_of(c), o.lead_sentences, o.lead_max_chars);
      if (o.window_sources > 0 && !ct.targets.empty()) window_sources(c, o, ct);
      res.elements += ct.targets.size();
      cases.push_back(std::move(ct));
      if (bar) bar->update(cases.size());
    }
    if (bar) bar->finish();
    if (res.charge_scored) res.charge_share_before = share_before / static_cast<double>(res.charge_scored);
    if (res.charge_kept) res.charge_share_after = share_after / static_cast<double>(res.charge_kept);
    res.skip_summary = reader.lines_skipped() ? reader.skip_summary() : "";
    res.import_unknown_ids = imported.size() - seen_imports;
    elements.close();
  }
  if (cases.empty()) throw Error(o.corpus + ": no cases");

  // Partners for augmentation: same split, same charge set (else sharing one charge).
  std::unordered_map<std::string, std::vector<uint32_t>> by_key, by_charge;
  for (uint32_t i = 0; i < cases.size(); ++i) {
    const auto& ct = cases[i];
    if (ct.targets.empty() || ct.charges.empty()) continue;
    const std::string split = ct.valid ? "v\x1f" : "t\x1f";
    by_key[split + ct.charge_key].push_back(i);
    for (const auto& ch : ct.charges) by_charge[split + ch].push_back(i);
  }
  auto partner = [&](uint32_t self, Rng& rng) -> int64_t {
    const auto& ct = cases[self];
    const std::string split = ct.valid ? "v\x1f" : "t\x1f";
    auto it = by_key.find(split + ct.charge_key);
    const std::vector<uint32_t>* list = it != by_key.end() && it->second.size() > 1 ? &it->second : nullptr;
    if (!list) {
      const auto& ch = ct.charges[rng.below(ct.charges.size())];
      auto jt = by_charge.find(split + ch);
      if (jt == by_charge.end() || jt->second.size() < 2) return -1;
      list = &jt->second;
    }
    for (int attempt = 0; attempt < 4; ++attempt) {
      const uint32_t j = (*list)[rng.below(list->size())];
      if (j != self) return j;
    }
    return -1;
  };
  // One of a partner's first max_query_pairs targets (nullptr when `self` has no partner):
  // what augmentation and partner pairs give a case in place of its own element.
  auto partner_element = [&](uint32_t self, Rng& rng) -> const std::string* {
    const int64_t j = partner(self, rng);
    if (j < 0) return nullptr;
    const auto& pt = cases[static_cast<size_t>(j)].targets;
    return &pt[rng.below(std::min(pt.size(), static_cast<size_t>(o.max_query_pairs)))];
  };

  Writer pairs(dir.path() + "/pairs.jsonl");
  const bool naive = o.targets == Targets::Naive;
  auto emit = [&](const std::string& src, const std::string& tgt, const char* kind, const CaseTargets& ct) {
    const char* k = naive ? kKindNaive : kind;
    pairs.line({{"src", src}, {"tgt", tgt}, {"kind", k}, {"case", ct.id}, {"charges", ct.charges},
                {"split", ct.valid ? "valid" : "train"}});
    ++res.pairs_by_kind[k];
    ++(ct.valid ? res.valid_pairs : res.train_pairs);
    ++res.pairs;
  };
  for (uint32_t i = 0; i < cases.size(); ++i) {
    const auto& ct = cases[i];
    ++(ct.valid ? res.valid_cases : res.train_cases);
    if (ct.targets.empty() || ct.source.empty()) {
      ++res.cases_without_elements;
      if (o.partner_pairs > 0 && !ct.source.empty() && !ct.charges.empty()) {
        Rng rng(xxh64(ct.id, o.seed ^ 0x706172746eULL));
        std::set<std::string> given;  // distinct targets; a few more draws than pairs wanted
        for (int k = 0; k < 2 * o.partner_pairs && given.size() < size_t(o.partner_pairs); ++k) {
          const std::string* t = partner_element(i, rng);
          if (!t) break;
          if (given.insert(*t).second) emit(ct.source, *t, kKindAugment, ct);
        }
        res.cases_with_partner_pairs += !given.empty();
      }
      continue;
    }
    Rng rng(xxh64(ct.id, o.seed ^ 0x7061697273ULL));
    const auto& T = ct.targets;
    const size_t q = std::min(T.size(), static_cast<size_t>(o.max_query_pairs));
    for (size_t k = 0; k < q; ++k) {
      if (o.augment_share > 0 && rng.unit() < o.augment_share && !ct.charges.empty()) {
        if (const std::string* t = partner_element(i, rng)) {
          emit(ct.source, *t, kKindAugment, ct);
          continue;
        }
      }
      emit(ct.source, T[k], kKindQueryElement, ct);
    }
    if (o.max_element_pairs > 0 && T.size() >= 2) {  // distinct ordered pairs of the top ten
      const size_t m = std::min<size_t>(T.size(), 10);
      std::vector<std::pair<uint32_t, uint32_t>> all;
      for (uint32_t a = 0; a < m; ++a)
        for (uint32_t b = 0; b < m; ++b)
          if (a != b) all.emplace_back(a, b);
      const size_t want = std::min(all.size(), static_cast<size_t>(o.max_element_pairs));
      for (size_t k = 0; k < want; ++k) {
        std::swap(all[k], all[k + rng.below(all.size() - k)]);
        emit(T[all[k].first], T[all[k].second], kKindElementElement, ct);
      }
    }
    if (o.max_lead_pairs > 0 && !ct.lead.empty() && ct.lead != ct.source)
      for (size_t k : contained_first(ct.lead, T, o.max_lead_pairs))
        emit(ct.lead, T[k], kKindLeadElement, ct);
    for (const auto& wide : ct.windows) {  // elements the verbatim window holds first
      const std::string window = to_utf8(std::u32string_view(wide).substr(0, o.window_chars));
      std::string src = window;
      if (o.anonymise_sources) {
        std::u32string a = anonymise(wide, pattern_mask(wide), 0, wide.size());
        if (a.size() > o.window_chars) a.resize(o.window_chars);
        src = to_utf8(a);
      }
      for (size_t k : contained_first(window, T, o.window_pairs)) emit(src, T[k], kKindWindowElement, ct);
    }
  }
  pairs.close();
  if (res.train_pairs == 0)
    throw Error(o.corpus + ": no training pairs (no case of the train split yielded an element)");

  std::sort(first.begin(), first.end());
  res.first_tokens = first.size();
  json pieces = json::array();
  for (int32_t id : first) pieces.push_back(tok.surface(id));
  write_file_atomic(dir.path() + "/first_tokens.json",
                    json{{"tokenizer_hash", hex64(tok.hash())}, {"ids", first}, {"pieces", pieces}}.dump() + "\n");
  ex.save(dir.path() + "/extractor.bin");

  const FileManifest fm = manifest_of(o.corpus);
  json counts = json::object();
  for (const auto& [k, v] : res.pairs_by_kind) counts[k] = v;
  const auto& st = res.extractor;
  json m = {{"magic", "lcr-traindata"},
            {"format_version", 1},
            {"tokenizer_hash", hex64(tok.hash())},
            {"corpus", {{"path", fm.path}, {"bytes", fm.bytes}, {"xxh64", hex64(fm.xxh64)}, {"cases", res.cases = cases.size()}}},
            {"options", options_json(o)},
            {"counts", counts},
            {"pairs", {{"total", res.pairs}, {"train", res.train_pairs}, {"valid", res.valid_pairs}}},
            {"cases", {{"train", res.train_cases}, {"valid", res.valid_cases}, {"without_elements", res.cases_without_elements},
                       {"with_partner_pairs", res.cases_with_partner_pairs}}},
            {"elements", res.elements},
            {"charge_filter", {{"index", o.index}, {"min_share", o.min_charge_share},
                               {"scored", res.charge_scored}, {"kept", res.charge_kept},
                               {"mean_share_before", res.charge_share_before},
                               {"mean_share_after", res.charge_share_after}}},
            {"first_tokens", res.first_tokens},
            {"extractor", {{"file", "extractor.bin"}, {"mode", st.labelled ? "log-odds" : "idf"},
                           {"fitted_cases", st.cases}, {"scored_charges", st.scored_charges},
                           {"ngrams_counted", st.ngrams_counted}, {"salient_ngrams", st.salient_ngrams}}},
            {"import", {{"file", o.import_elements}, {"cases", res.imported_cases}, {"elements", res.imported_elements},
                        {"dropped_not_verbatim", res.import_dropped}, {"unknown_ids", res.import_unknown_ids},
                        {"first_tokens_added", res.first_tokens_added_by_import}}}};
  write_file_atomic(dir.path() + "/manifest.json", m.dump(2) + "\n");
  dir.commit();
  res.build_seconds = seconds_since(t1);
  return res;
}

}  // namespace lcr::traindata
