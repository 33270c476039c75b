#include "lcr/model/options.h"

#include <nlohmann/json.hpp>

#include "lcr/core/error.h"

namespace lcr {

namespace {
void require(bool ok, const std::string& what) {
  if (!ok) throw Error("model options: " + what);
}
}  // namespace

void ModelOptions::validate() const {
  require(vocab_size > 4, "vocab_size (" + std::to_string(vocab_size) + ") must be > 4");
  for (auto [name, id] : {std::pair{"pad_id", pad_id}, {"bos_id", bos_id}, {"eos_id", eos_id}})
    require(id >= 0 && id < vocab_size,
            std::string(name) + " (" + std::to_string(id) + ") must lie in [0, vocab_size)");
  require(d_model > 0 && d_model <= 8192,
          "d_model (" + std::to_string(d_model) + ") must lie in [1, 8192]");
  require(heads > 0 && d_model % heads == 0, "heads (" + std::to_string(heads) +
                                                 ") must be positive and divide d_model (" +
                                                 std::to_string(d_model) + ")");
  require(ff > 0, "ff (" + std::to_string(ff) + ") must be positive");
  require(encoder_layers >= 1 && encoder_layers <= 64, "encoder_layers must lie in [1, 64]");
  require(decoder_layers >= 1 && decoder_layers <= 64, "decoder_layers must lie in [1, 64]");
  require(dropout >= 0 && dropout < 1,
          "dropout (" + std::to_string(dropout) + ") must lie in [0, 1)");
  require(max_source_len >= 1 && max_source_len <= 65536, "max_source_len must lie in [1, 65536]");
  require(max_target_len >= 2 && max_target_len <= 4096, "max_target_len must lie in [2, 4096]");
  require(charge_classes >= 0 && charge_classes <= 1000000,
          "charge_classes must lie in [0, 1000000]");
}

std::string ModelOptions::to_json() const {
  nlohmann::json j = {{"vocab_size", vocab_size},
                      {"pad_id", pad_id},
                      {"bos_id", bos_id},
                      {"eos_id", eos_id},
                      {"d_model", d_model},
                      {"heads", heads},
                      {"ff", ff},
                      {"encoder_layers", encoder_layers},
                      {"decoder_layers", decoder_layers},
                      {"dropout", dropout},
                      {"max_source_len", max_source_len},
                      {"max_target_len", max_target_len}};
  if (charge_classes > 0) j["charge_classes"] = charge_classes;  // older readers never see it
  return j.dump();
}

ModelOptions ModelOptions::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("model options: malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error("model options: not a JSON object");
  ModelOptions o;
  auto get_int = [&](const char* key, int& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer())
      throw Error(std::string("model options: missing or non-integer field '") + key + "'");
    out = it->get<int>();
  };
  get_int("vocab_size", o.vocab_size);
  get_int("pad_id", o.pad_id);
  get_int("bos_id", o.bos_id);
  get_int("eos_id", o.eos_id);
  get_int("d_model", o.d_model);
  get_int("heads", o.heads);
  get_int("ff", o.ff);
  get_int("encoder_layers", o.encoder_layers);
  get_int("decoder_layers", o.decoder_layers);
  get_int("max_source_len", o.max_source_len);
  get_int("max_target_len", o.max_target_len);
  if (j.contains("charge_classes")) get_int("charge_classes", o.charge_classes);
  auto it = j.find("dropout");
  if (it == j.end() || !it->is_number())
    throw Error("model options: missing or non-numeric field 'dropout'");
  o.dropout = it->get<double>();
  o.validate();
  return o;
}

int64_t ModelOptions::parameter_count() const {
  const int64_t d = d_model, f = ff;
  const int64_t ln = 2 * d;
  const int64_t attn = 4 * d * d + 4 * d;  // q, k, v, out projections with biases
  const int64_t ffn = d * f + f + f * d + d;
  const int64_t enc = encoder_layers * (attn + ffn + 2 * ln) + ln;
  const int64_t dec = decoder_layers * (2 * attn + ffn + 3 * ln) + ln;
  const int64_t head = static_cast<int64_t>(charge_classes) * (d + 1);
  return static_cast<int64_t>(vocab_size) * (d + 1) + enc + dec + head;  // + output bias
}

}  // namespace lcr
