// Shared by the model tests: a tiny tokenizer, tiny model sizes, and a training-data
// directory in the format `lcr train data` writes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "lcr/core/hash.h"
#include "lcr/core/tokenizer.h"
#include "lcr/model/options.h"
#include "test_util.h"

namespace lcr::test {

using Pairs = std::vector<std::pair<std::string, std::string>>;

inline const Pairs& tiny_pairs() {
  static const Pairs pairs = {
      {"被告人张三盗窃他人手机一部，价值三千元。", "盗窃手机"},
      {"被告人李四驾驶机动车醉酒后上路行驶。", "醉酒驾驶"},
      {"被告人王五持刀故意伤害被害人致轻伤。", "故意伤害"},
      {"被告人赵六以非法占有为目的骗取他人财物。", "诈骗财物"},
      {"被告人钱七贩卖毒品海洛因五克。", "贩卖毒品"},
      {"被告人孙八在公共场所寻衅滋事殴打他人。", "寻衅滋事"},
      {"被告人周九非法持有枪支一支。", "持有枪支"},
      {"被告人吴十受贿人民币十万元。", "受贿"},
  };
  return pairs;
}

/// A character-level sentencepiece model trained on the tiny pairs (a few hundred pieces).
inline Tokenizer tiny_tokenizer(const std::string& path, uint64_t seed = 1,
                                const std::string& extra = "") {
  std::vector<std::string> sentences;
  for (int rep = 0; rep < 3; ++rep)
    for (const auto& [s, t] : tiny_pairs()) {
      sentences.push_back(s);
      sentences.push_back(t);
    }
  if (!extra.empty()) sentences.push_back(extra);
  TokenizerTrainOptions o;
  o.vocab_size = 500;  // 256 byte pieces + ~90 characters + meta pieces
  o.seed = seed;
  o.quiet = true;
  o.threads = 1;
  return Tokenizer::train_on_sentences(sentences, path, o);
}

inline ModelOptions tiny_model(const Tokenizer& tok) {
  ModelOptions m;
  m.vocab_size = tok.vocab_size();
  m.pad_id = tok.pad_id();
  m.bos_id = tok.bos_id();
  m.eos_id = tok.eos_id();
  m.d_model = 64;
  m.heads = 4;
  m.ff = 128;
  m.encoder_layers = 2;
  m.decoder_layers = 2;
  m.dropout = 0.0;
  m.max_source_len = 64;
  m.max_target_len = 16;
  return m;
}

/// Writes DIR/pairs.jsonl, first_tokens.json and manifest.json; the last `valid` pairs go
/// to the valid split. `charges`, when given, labels pair i with charges[i].
inline void write_training_data(const std::string& dir, const Tokenizer& tok, const Pairs& pairs,
                                size_t valid = 0,
                                const std::vector<std::vector<std::string>>* charges = nullptr) {
  std::string lines;
  std::vector<int32_t> first;
  for (size_t i = 0; i < pairs.size(); ++i) {
    nlohmann::json j = {{"src", pairs[i].first},
                        {"tgt", pairs[i].second},
                        {"kind", "case-element"},
                        {"case", std::to_string(i)},
                        {"split", i + valid >= pairs.size() ? "valid" : "train"}};
    if (charges) j["charges"] = charges->at(i);
    lines += j.dump() + "\n";
    auto ids = tok.encode(pairs[i].second);
    if (!ids.empty()) first.push_back(ids[0]);
  }
  write_text(dir + "/pairs.jsonl", lines);
  nlohmann::json f = {
      {"tokenizer_hash", hex64(tok.hash())}, {"ids", first}, {"pieces", nlohmann::json::array()}};
  write_text(dir + "/first_tokens.json", f.dump());
  nlohmann::json m = {{"tokenizer_hash", hex64(tok.hash())}, {"source", "model tests"}};
  write_text(dir + "/manifest.json", m.dump());
}

}  // namespace lcr::test
