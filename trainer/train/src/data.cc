#include "data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <tuple>
#include <unordered_map>

#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/core/tokenizer.h"

namespace lcr::train_detail {

namespace {

using json = nlohmann::json;

json read_json_file(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw Error(path + ": missing (is this a directory written by `lcr train data`?)");
  try {
    return json::parse(read_file(path));
  } catch (const json::exception& e) {
    throw Error(path + ": malformed JSON (" + e.what() + ")");
  }
}

void check_hash(const json& j, const std::string& path, const Tokenizer& tok) {
  auto it = j.find("tokenizer_hash");
  if (it == j.end() || !it->is_string()) throw Error(path + ": missing \"tokenizer_hash\"");
  if (it->get<std::string>() != hex64(tok.hash()))
    throw Error(path + ": training data was made with tokenizer " + it->get<std::string>() +
                ", but the tokenizer given has hash " + hex64(tok.hash()) +
                "; pass the same --tokenizer as `lcr train data` used, or rebuild the data");
}

// Encodes a prefix of `text` long enough to give `limit` tokens (a token covers >= 1 byte),
// so a 20 KB judgment is not tokenized whole to keep its first 511 tokens.
std::vector<int32_t> encode_prefix(const Tokenizer& tok, const std::string& text, size_t limit,
                                   bool& truncated) {
  std::vector<int32_t> ids;
  const size_t cut = limit * 16;
  if (text.size() > cut) {
    size_t end = cut;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    ids = tok.encode(std::string_view(text).substr(0, end));
    if (ids.size() < limit) ids = tok.encode(text);
  } else {
    ids = tok.encode(text);
  }
  truncated = ids.size() > limit;
  if (truncated) ids.resize(limit);
  return ids;
}

}  // namespace

TrainingData load_training_data(const std::string& dir, const Tokenizer& tok, int max_source_len,
                                int max_target_len) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw Error(dir + ": not a directory of training data");
  TrainingData d;
  const std::string manifest_path = dir + "/manifest.json";
  const std::string first_path = dir + "/first_tokens.json";
  const std::string pairs_path = dir + "/pairs.jsonl";
  json manifest = read_json_file(manifest_path);
  check_hash(manifest, manifest_path, tok);
  json first = read_json_file(first_path);
  check_hash(first, first_path, tok);
  try {
    d.first_tokens = first.at("ids").get<std::vector<int32_t>>();
  } catch (const json::exception&) {
    throw Error(first_path + ": \"ids\" must be an array of integers");
  }
  for (int32_t id : d.first_tokens)
    if (id < 0 || id >= tok.vocab_size())
      throw Error(first_path + ": id " + std::to_string(id) + " outside the vocabulary");

  std::ifstream in(pairs_path, std::ios::binary);
  if (!in) throw Error(pairs_path + ": missing (is this a directory written by `lcr train data`?)");
  std::unordered_map<std::string, uint32_t> source_index;
  std::vector<std::vector<std::string>> charges_of;  // per source, by name, until the end
  const size_t src_limit = static_cast<size_t>(max_source_len - 1);
  const size_t tgt_limit = static_cast<size_t>(max_target_len - 1);
  std::string line;
  uint64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = pairs_path + ":" + std::to_string(lineno) + ": ";
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception&) {
      throw Error(where + "malformed JSON");
    }
    auto field = [&](const char* key) -> std::string {
      auto it = j.find(key);
      if (it == j.end() || !it->is_string())
        throw Error(where + "missing or non-string field \"" + key + "\"");
      return it->get<std::string>();
    };
    const std::string src = field("src"), tgt = field("tgt"), split = field("split");
    if (split != "train" && split != "valid")
      throw Error(where + "\"split\" must be \"train\" or \"valid\", not \"" + split + "\"");
    Example e;
    auto [it, inserted] = source_index.emplace(src, static_cast<uint32_t>(d.sources.size()));
    if (inserted) {
      bool cut = false;
      d.sources.push_back(encode_prefix(tok, src, src_limit, cut));
      d.truncated_sources += cut;
    }
    e.source = it->second;
    if (inserted) charges_of.emplace_back();
    if (auto c = j.find("charges"); c != j.end()) {
      if (!c->is_array()) throw Error(where + "\"charges\" must be an array of strings");
      auto& mine = charges_of[e.source];
      for (const auto& name : *c) {
        if (!name.is_string() || name.get<std::string>().empty())
          throw Error(where + "\"charges\" must be an array of non-empty strings");
        if (std::find(mine.begin(), mine.end(), name.get<std::string>()) == mine.end())
          mine.push_back(name.get<std::string>());
      }
    }
    bool cut = false;
    e.target = encode_prefix(tok, tgt, tgt_limit, cut);
    d.truncated_targets += cut;
    e.target.push_back(tok.eos_id());
    (split == "train" ? d.train : d.valid).push_back(std::move(e));
  }
  if (in.bad()) throw Error(pairs_path + ": read error");
  if (d.train.empty()) throw Error(pairs_path + ": no pairs with \"split\": \"train\"");
  for (const auto& names : charges_of) d.charge_names.insert(d.charge_names.end(), names.begin(), names.end());
  std::sort(d.charge_names.begin(), d.charge_names.end());
  d.charge_names.erase(std::unique(d.charge_names.begin(), d.charge_names.end()), d.charge_names.end());
  d.source_charges.resize(charges_of.size());
  for (size_t s = 0; s < charges_of.size(); ++s) {
    for (const auto& name : charges_of[s])
      d.source_charges[s].push_back(static_cast<int32_t>(
          std::lower_bound(d.charge_names.begin(), d.charge_names.end(), name) - d.charge_names.begin()));
    std::sort(d.source_charges[s].begin(), d.source_charges[s].end());
  }

  uint64_t pairs_bytes = 0;
  d.pairs_xxh64 = xxh64_file(pairs_path, &pairs_bytes);
  json m = {{"dir", fs::absolute(dir).lexically_normal().string()},
            {"pairs_bytes", pairs_bytes},
            {"pairs_xxh64", hex64(d.pairs_xxh64)},
            {"first_tokens_xxh64", hex64(xxh64_file(first_path))},
            {"train_pairs", d.train.size()},
            {"valid_pairs", d.valid.size()},
            {"distinct_sources", d.sources.size()},
            {"manifest", manifest}};
  d.manifest_json = m.dump();
  return d;
}

namespace {

// Source mode: the examples of one source stay together, so the batch encodes that source
// once for all of them. Groups are sorted by (source length, targets, longest target) and
// cut so that groups x (longest source + 1 + most targets x longest target) <= batch_tokens.
std::vector<std::vector<uint32_t>> batches_by_source(const TrainingData& data,
                                                     const std::vector<Example>& examples,
                                                     int64_t batch_tokens) {
  std::vector<std::vector<uint32_t>> groups;
  std::vector<int64_t> group_of(data.sources.size(), -1);
  for (uint32_t i = 0; i < examples.size(); ++i) {
    int64_t& g = group_of[examples[i].source];
    if (g < 0) g = static_cast<int64_t>(groups.size()), groups.emplace_back();
    groups[static_cast<size_t>(g)].push_back(i);
  }
  struct Shape {
    size_t src, n, tgt;
  };
  std::vector<Shape> shape(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    size_t t = 0;
    for (uint32_t i : groups[g]) t = std::max(t, examples[i].target.size());
    shape[g] = {data.sources[examples[groups[g][0]].source].size() + 1, groups[g].size(), t};
  }
  std::vector<uint32_t> order(groups.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::tie(shape[a].src, shape[a].n, shape[a].tgt) <
           std::tie(shape[b].src, shape[b].n, shape[b].tgt);
  });
  std::vector<std::vector<uint32_t>> batches;
  std::vector<uint32_t> cur;
  size_t rows = 0, max_src = 0, max_n = 0, max_tgt = 0;
  for (uint32_t g : order) {
    const size_t s = std::max(max_src, shape[g].src), n = std::max(max_n, shape[g].n),
                 t = std::max(max_tgt, shape[g].tgt);
    if (rows > 0 && static_cast<int64_t>((rows + 1) * (s + n * t)) > batch_tokens) {
      batches.push_back(std::move(cur));
      cur.clear();
      rows = max_src = max_n = max_tgt = 0;
    }
    cur.insert(cur.end(), groups[g].begin(), groups[g].end());
    ++rows;
    max_src = std::max(max_src, shape[g].src);
    max_n = std::max(max_n, shape[g].n);
    max_tgt = std::max(max_tgt, shape[g].tgt);
  }
  if (!cur.empty()) batches.push_back(std::move(cur));
  return batches;
}

}  // namespace

std::vector<std::vector<uint32_t>> make_batches(const TrainingData& data,
                                                const std::vector<Example>& examples,
                                                int64_t batch_tokens, bool by_source) {
  if (by_source) return batches_by_source(data, examples, batch_tokens);
  std::vector<uint32_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0u);
  auto src_len = [&](uint32_t i) { return data.sources[examples[i].source].size() + 1; };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (src_len(a) != src_len(b)) return src_len(a) < src_len(b);
    return examples[a].target.size() < examples[b].target.size();
  });
  std::vector<std::vector<uint32_t>> batches;
  std::vector<uint32_t> cur;
  size_t max_src = 0, max_tgt = 0;
  for (uint32_t i : order) {
    const size_t s = std::max(max_src, src_len(i));
    const size_t t = std::max(max_tgt, examples[i].target.size());
    if (!cur.empty() && static_cast<int64_t>((cur.size() + 1) * (s + t)) > batch_tokens) {
      batches.push_back(std::move(cur));
      cur.clear();
      max_src = max_tgt = 0;
    }
    cur.push_back(i);
    max_src = std::max(max_src, src_len(i));
    max_tgt = std::max(max_tgt, examples[i].target.size());
  }
  if (!cur.empty()) batches.push_back(std::move(cur));
  return batches;
}

}  // namespace lcr::train_detail
