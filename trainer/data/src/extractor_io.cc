// extractor.bin: the fitted statistics.
//
//   8 bytes  magic "LCRXTR\0\1"
//   u32      format version (1)
//   u64      tokenizer hash
//   u32 + n  JSON header: options, stats, first-token ids
//   u64      number of salient n-grams, then per n-gram: u64 key (ngram_hash), f32 salience,
//            sorted by key
//   u64      number of cohesive bigrams, then their u64 keys, sorted
//   u64      xxh64 of all the bytes above
// Little-endian, as written by x86-64 / aarch64.
#include <cstring>
#include <nlohmann/json.hpp>

#include "internal.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"

namespace lcr::traindata {
namespace {

constexpr char kMagic[8] = {'L', 'C', 'R', 'X', 'T', 'R', '\0', '\1'};
constexpr uint32_t kVersion = 1;

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

struct Reader {
  const std::string& bytes;
  const std::string& path;
  size_t pos = 0;
  template <class T>
  T get() {
    if (bytes.size() - pos < sizeof(T)) throw Error(path + ": truncated extractor file");
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
};

nlohmann::json options_json(const ExtractorOptions& o) {
  return {{"max_n", o.max_n},
          {"min_df", o.min_df},
          {"min_charge_cases", o.min_charge_cases},
          {"prior_strength", o.prior_strength},
          {"max_case_count", o.max_case_count},
          {"min_z", o.min_z},
          {"min_support", o.min_support},
          {"saturation", o.saturation},
          {"max_region_chars", o.max_region_chars},
          {"max_first_tokens", o.max_first_tokens},
          {"min_first_salience", o.min_first_salience},
          {"max_first_masked_share", o.max_first_masked_share},
          {"min_tokens", o.min_tokens},
          {"max_chars", o.max_chars},
          {"length_cost", o.length_cost},
          {"amount_value", o.amount_value},
          {"masked_cost", o.masked_cost},
          {"min_score", o.min_score},
          {"max_elements", o.max_elements},
          {"max_overlap", o.max_overlap},
          {"max_boundary_salience", o.max_boundary_salience},
          {"min_pmi", o.min_pmi},
          {"min_bigram_count", o.min_bigram_count}};
}

ExtractorOptions options_from(const nlohmann::json& j) {
  ExtractorOptions o;
  j.at("max_n").get_to(o.max_n);
  j.at("min_df").get_to(o.min_df);
  j.at("min_charge_cases").get_to(o.min_charge_cases);
  j.at("prior_strength").get_to(o.prior_strength);
  j.at("max_case_count").get_to(o.max_case_count);
  j.at("min_z").get_to(o.min_z);
  j.at("min_support").get_to(o.min_support);
  j.at("saturation").get_to(o.saturation);
  j.at("max_region_chars").get_to(o.max_region_chars);
  j.at("max_first_tokens").get_to(o.max_first_tokens);
  j.at("min_first_salience").get_to(o.min_first_salience);
  j.at("max_first_masked_share").get_to(o.max_first_masked_share);
  j.at("min_tokens").get_to(o.min_tokens);
  j.at("max_chars").get_to(o.max_chars);
  j.at("length_cost").get_to(o.length_cost);
  j.at("amount_value").get_to(o.amount_value);
  j.at("masked_cost").get_to(o.masked_cost);
  j.at("min_score").get_to(o.min_score);
  j.at("max_elements").get_to(o.max_elements);
  j.at("max_overlap").get_to(o.max_overlap);
  j.at("max_boundary_salience").get_to(o.max_boundary_salience);
  j.at("min_pmi").get_to(o.min_pmi);
  j.at("min_bigram_count").get_to(o.min_bigram_count);
  return o;
}

}  // namespace

nlohmann::json detail::extractor_options_json(const ExtractorOptions& o) { return options_json(o); }

void ElementExtractor::save(const std::string& path) const {
  const Impl& im = *impl_;
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, im.tok->hash());
  const auto& st = im.stats;
  nlohmann::json h = {{"options", options_json(im.opt)},
                      {"stats",
                       {{"cases", st.cases},
                        {"labelled_cases", st.labelled_cases},
                        {"scored_charges", st.scored_charges},
                        {"ngrams_counted", st.ngrams_counted},
                        {"salient_ngrams", st.salient_ngrams},
                        {"labelled", st.labelled}}},
                      {"first_tokens", im.first_ids}};
  const std::string header = h.dump();
  put(out, static_cast<uint32_t>(header.size()));
  out += header;
  std::vector<std::pair<uint64_t, float>> table;
  table.reserve(im.salience.size());
  im.salience.for_each([&](uint64_t k, float v) { table.emplace_back(k, v); });
  std::sort(table.begin(), table.end());
  put(out, static_cast<uint64_t>(table.size()));
  for (const auto& [k, v] : table) {
    put(out, k);
    put(out, v);
  }
  std::vector<uint64_t> words;
  im.cohesive.for_each([&](uint64_t k, uint8_t) { words.push_back(k); });
  std::sort(words.begin(), words.end());
  put(out, static_cast<uint64_t>(words.size()));
  for (uint64_t k : words) put(out, k);
  put(out, xxh64(out));
  write_file_atomic(path, out);
}

ElementExtractor ElementExtractor::load(const std::string& path, const Tokenizer& tok) {
  const std::string bytes = read_file(path);
  if (bytes.size() < sizeof kMagic + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw Error(path + ": not an extractor file (bad magic); expected one written by `lcr train data`");
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (xxh64(std::string_view(bytes).substr(0, bytes.size() - 8)) != stored)
    throw Error(path + ": checksum mismatch (the extractor file is damaged)");
  Reader r{bytes, path, sizeof kMagic};
  const auto version = r.get<uint32_t>();
  if (version != kVersion)
    throw Error(path + ": extractor format version " + std::to_string(version) +
                ", this build reads version " + std::to_string(kVersion));
  const auto tok_hash = r.get<uint64_t>();
  if (tok_hash != tok.hash())
    throw Error(path + ": fitted with tokenizer " + hex64(tok_hash) + ", but the tokenizer given has hash " +
                hex64(tok.hash()) + "; pass the tokenizer the extractor was fitted with");
  const auto header_len = r.get<uint32_t>();
  if (bytes.size() - r.pos < header_len + 8) throw Error(path + ": truncated extractor file");
  ElementExtractor ex;
  Impl& im = *ex.impl_;
  im.tok = &tok;
  try {
    const auto h = nlohmann::json::parse(bytes.substr(r.pos, header_len));
    im.opt = options_from(h.at("options"));
    const auto& s = h.at("stats");
    im.stats.cases = s.at("cases").get<uint64_t>();
    im.stats.labelled_cases = s.at("labelled_cases").get<uint64_t>();
    im.stats.scored_charges = s.at("scored_charges").get<uint64_t>();
    im.stats.ngrams_counted = s.at("ngrams_counted").get<uint64_t>();
    im.stats.salient_ngrams = s.at("salient_ngrams").get<uint64_t>();
    im.stats.labelled = s.at("labelled").get<bool>();
    auto ids = h.at("first_tokens").get<std::vector<int32_t>>();
    for (int32_t id : ids)
      if (id < 0 || id >= tok.vocab_size())
        throw Error(path + ": first token " + std::to_string(id) + " outside the vocabulary");
    im.set_first_tokens(std::move(ids));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": bad extractor header (" + e.what() + ")");
  }
  im.opt.validate();
  r.pos += header_len;
  const auto n = r.get<uint64_t>();
  if (n > (bytes.size() - r.pos) / 12) throw Error(path + ": n-gram table size does not match the file");
  im.salience = detail::FlatMap<float>(n);
  for (uint64_t i = 0; i < n; ++i) {
    const auto k = r.get<uint64_t>();
    const auto v = r.get<float>();
    if (k == 0) throw Error(path + ": bad n-gram key");
    im.salience[k] = v;
  }
  const auto m = r.get<uint64_t>();
  if (m != (bytes.size() - r.pos - 8) / 8 || (bytes.size() - r.pos - 8) % 8 != 0)
    throw Error(path + ": bigram table size does not match the file");
  im.cohesive = detail::FlatMap<uint8_t>(m);
  for (uint64_t i = 0; i < m; ++i) {
    const auto k = r.get<uint64_t>();
    if (k == 0) throw Error(path + ": bad bigram key");
    im.cohesive[k] = 1;
  }
  return ex;
}

}  // namespace lcr::traindata
