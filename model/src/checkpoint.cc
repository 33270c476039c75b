#include "lcr/model/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/core/tokenizer.h"

namespace lcr {

namespace {

constexpr char kMagic[8] = {'L', 'C', 'R', 'C', 'K', 'P', 'T', '\n'};
constexpr size_t kFixed = sizeof(kMagic) + 4 + 8;  // magic, version, header length

template <typename T>
void put(std::string& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

template <typename T>
T get(const std::string& in, size_t pos) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  return v;
}

uint64_t parse_hex64(const std::string& s, const std::string& origin) {
  if (s.size() != 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw Error(origin + ": corrupt checkpoint header: bad tokenizer_hash '" + s + "'");
  return std::stoull(s, nullptr, 16);
}

}  // namespace

std::string checkpoint_to_bytes(const Checkpoint& c) {
  c.options.validate();
  nlohmann::json sections = nlohmann::json::array();
  for (auto [name, bytes] : {std::pair<const char*, const std::string*>{"model", &c.model_state},
                             {"optimizer", &c.optimizer_state}})
    sections.push_back({{"name", name}, {"bytes", bytes->size()}, {"xxh64", hex64(xxh64(*bytes))}});
  auto parse = [](const std::string& text, const char* what) {
    try {
      return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      throw Error(std::string("checkpoint: ") + what + " is not valid JSON");
    }
  };
  nlohmann::json h = {
      {"format", "lcr checkpoint"},
      {"options", parse(c.options.to_json(), "options")},
      {"tokenizer_hash", hex64(c.tokenizer_hash)},
      {"data_manifest", parse(c.data_manifest, "data_manifest")},
      {"trainer_state", parse(c.trainer_state, "trainer_state")},
      {"step", c.step},
      {"first_tokens", c.first_tokens},
      {"sections", sections},
  };
  const std::string header = h.dump(1);
  std::string out(kMagic, sizeof(kMagic));
  put<uint32_t>(out, kCheckpointVersion);
  put<uint64_t>(out, header.size());
  out += header;
  out += c.model_state;
  out += c.optimizer_state;
  put<uint64_t>(out, xxh64(out));
  return out;
}

Checkpoint checkpoint_from_bytes(const std::string& bytes, const std::string& origin) {
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    throw Error(origin + ": not an lcr checkpoint (bad magic)");
  if (bytes.size() < kFixed + 8)
    throw Error(origin + ": truncated checkpoint (" + std::to_string(bytes.size()) + " bytes)");
  const uint32_t version = get<uint32_t>(bytes, 8);
  if (version != kCheckpointVersion)
    throw Error(origin + ": checkpoint format version " + std::to_string(version) +
                " is not supported (this build reads version " +
                std::to_string(kCheckpointVersion) + ")");
  const uint64_t header_len = get<uint64_t>(bytes, 12);
  if (header_len > bytes.size() - kFixed - 8)
    throw Error(origin + ": truncated checkpoint (header of " + std::to_string(header_len) +
                " bytes, file of " + std::to_string(bytes.size()) + ")");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(bytes.substr(kFixed, header_len));
  } catch (const nlohmann::json::exception&) {
    throw Error(origin + ": corrupt checkpoint header (malformed JSON)");
  }
  Checkpoint c;
  std::vector<std::pair<std::string, uint64_t>> sums;
  uint64_t body = 0;
  try {
    c.options = ModelOptions::from_json(h.at("options").dump());
    c.tokenizer_hash = parse_hex64(h.at("tokenizer_hash").get<std::string>(), origin);
    c.data_manifest = h.at("data_manifest").dump();
    c.trainer_state = h.at("trainer_state").dump();
    c.step = h.at("step").get<int64_t>();
    c.first_tokens = h.at("first_tokens").get<std::vector<int32_t>>();
    const auto& secs = h.at("sections");
    if (!secs.is_array() || secs.size() != 2 || secs[0].at("name") != "model" ||
        secs[1].at("name") != "optimizer")
      throw Error(origin + ": corrupt checkpoint header (sections)");
    for (const auto& s : secs) {
      const uint64_t n = s.at("bytes").get<uint64_t>();
      if (n > bytes.size()) throw Error(origin + ": truncated checkpoint (section sizes)");
      sums.emplace_back(s.at("xxh64").get<std::string>(), n);
      body += n;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": corrupt checkpoint header: " + e.what());
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(origin, 0) == 0) throw;
    throw Error(origin + ": corrupt checkpoint header: " + e.what());
  }
  const uint64_t expected = kFixed + header_len + body + 8;
  if (bytes.size() < expected)
    throw Error(origin + ": truncated checkpoint (" + std::to_string(bytes.size()) +
                " bytes, expected " + std::to_string(expected) + ")");
  if (bytes.size() > expected)
    throw Error(origin + ": corrupt checkpoint (" + std::to_string(bytes.size() - expected) +
                " unexpected trailing bytes)");
  if (get<uint64_t>(bytes, expected - 8) != xxh64(std::string_view(bytes).substr(0, expected - 8)))
    throw Error(origin + ": corrupt checkpoint (checksum mismatch)");
  size_t pos = kFixed + header_len;
  std::string* dest[2] = {&c.model_state, &c.optimizer_state};
  for (size_t i = 0; i < 2; ++i) {
    *dest[i] = bytes.substr(pos, sums[i].second);
    pos += sums[i].second;
    if (hex64(xxh64(*dest[i])) != sums[i].first)
      throw Error(origin + ": corrupt checkpoint (section checksum mismatch)");
  }
  for (int32_t id : c.first_tokens)
    if (id < 0 || id >= c.options.vocab_size)
      throw Error(origin + ": corrupt checkpoint header: first token " + std::to_string(id) +
                  " outside the vocabulary");
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  write_file_atomic(path, checkpoint_to_bytes(c));
}

Checkpoint load_checkpoint(const std::string& path) {
  return checkpoint_from_bytes(read_file(path), path);
}

uint64_t export_for_serving(const std::string& in, const std::string& out) {
  Checkpoint c = load_checkpoint(in);
  if (std::filesystem::exists(out)) throw Error(out + ": exists; choose another output path");
  c.optimizer_state.clear();
  const std::string bytes = checkpoint_to_bytes(c);
  write_file_atomic(out, bytes);
  return bytes.size();
}

void check_tokenizer(const Checkpoint& c, const std::string& origin, const Tokenizer& tokenizer,
                     const std::string& tokenizer_path) {
  if (c.tokenizer_hash == tokenizer.hash()) return;
  throw Error(origin + ": checkpoint was trained with tokenizer " + hex64(c.tokenizer_hash) +
              ", but " + tokenizer_path + " has hash " + hex64(tokenizer.hash()) +
              "; pass the tokenizer it was trained with (--tokenizer) or retrain the model");
}

}  // namespace lcr
