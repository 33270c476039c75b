#include "lcr/core/tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <random>
#include <unordered_map>

#include "lcr/core/corpus.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/core/progress.h"

namespace lcr {

struct Tokenizer::Impl {
  sentencepiece::SentencePieceProcessor sp;
};

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void TokenizerTrainOptions::validate() const {
  if (vocab_size < 300 || vocab_size > 65000)
    throw Error("--vocab-size must be between 300 and 65000 (got " +
                std::to_string(vocab_size) + "): 256 byte pieces are always reserved");
  if (max_piece_length < 1 || max_piece_length > 16)
    throw Error("--max-piece-length must be between 1 and 16 (got " +
                std::to_string(max_piece_length) + ")");
  if (model_type != "unigram" && model_type != "bpe")
    throw Error("--model-type must be unigram or bpe (got '" + model_type + "')");
  if (!(character_coverage > 0.9 && character_coverage <= 1.0))
    throw Error("--character-coverage must be in (0.9, 1]");
  if (max_sentences < 100) throw Error("--max-sentences must be at least 100");
}

Tokenizer Tokenizer::from_bytes(const std::string& bytes, const std::string& origin) {
  Tokenizer t;
  auto st = t.impl_->sp.LoadFromSerializedProto(bytes);
  if (!st.ok())
    throw Error(origin + ": not a sentencepiece model (" + std::string(st.message()) + ")");
  t.bytes_ = bytes;
  t.hash_ = xxh64(bytes);
  const int n = t.impl_->sp.GetPieceSize();
  t.surface_bytes_.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    t.surface_bytes_[static_cast<size_t>(i)] = static_cast<uint32_t>(t.surface(i).size());
  return t;
}

Tokenizer Tokenizer::load(const std::string& path) { return from_bytes(read_file(path), path); }

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  auto st = impl_->sp.Encode(absl::string_view(text.data(), text.size()), &ids);
  if (!st.ok()) throw Error("tokenizer: encode failed: " + std::string(st.message()));
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  for (int32_t id : ids) out += surface(id);
  return out;
}

std::string Tokenizer::surface(int32_t id) const {
  const auto& sp = impl_->sp;
  if (id < 0 || id >= sp.GetPieceSize()) return {};
  if (sp.IsByte(id)) {
    // Byte pieces are spelled <0xAB>.
    const std::string& p = sp.IdToPiece(id);
    return std::string(1, static_cast<char>(std::stoi(p.substr(3, 2), nullptr, 16)));
  }
  if (sp.IsControl(id) || sp.IsUnknown(id)) return {};
  std::string p = sp.IdToPiece(id);
  static const std::string kSpace = "\xE2\x96\x81";  // U+2581, sentencepiece's space
  std::string out;
  for (size_t i = 0; i < p.size();) {
    if (p.compare(i, kSpace.size(), kSpace) == 0) {
      out += ' ';
      i += kSpace.size();
    } else {
      out += p[i++];
    }
  }
  return out;
}

std::string Tokenizer::piece(int32_t id) const { return impl_->sp.IdToPiece(id); }
bool Tokenizer::is_byte(int32_t id) const { return impl_->sp.IsByte(id); }
bool Tokenizer::is_control(int32_t id) const {
  return impl_->sp.IsControl(id) || impl_->sp.IsUnknown(id);
}
int Tokenizer::vocab_size() const { return impl_->sp.GetPieceSize(); }
int Tokenizer::eos_id() const { return impl_->sp.eos_id(); }
int Tokenizer::bos_id() const { return impl_->sp.bos_id(); }
int Tokenizer::pad_id() const { return impl_->sp.pad_id(); }

std::vector<std::string> split_sentences(std::string_view text, size_t max_bytes) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (cur.find_first_not_of(" \t\r") != std::string::npos) out.push_back(cur);
    cur.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > text.size()) len = text.size() - i;
    std::string_view ch = text.substr(i, len);
    i += len;
    if (ch == "\n") {
      flush();
      continue;
    }
    if (cur.size() + ch.size() > max_bytes) flush();
    cur.append(ch);
    if (ch == "。" || ch == "！" || ch == "？" || ch == "；" || ch == "!" || ch == "?" ||
        ch == ";")
      flush();
  }
  flush();
  return out;
}

namespace {

class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& v) : v_(v) {}
  bool done() const override { return i_ >= v_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return v_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& v_;
  size_t i_ = 0;
};

}  // namespace

Tokenizer Tokenizer::train_on_sentences(const std::vector<std::string>& sentences,
                                        const std::string& out_path,
                                        const TokenizerTrainOptions& o) {
  o.validate();
  if (sentences.empty()) throw Error("tokenizer: no training sentences");
  sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(o.seed));
  std::unordered_map<std::string, std::string> args = {
      {"model_type", o.model_type},
      {"vocab_size", std::to_string(o.vocab_size)},
      {"hard_vocab_limit", "false"},
      {"max_sentencepiece_length", std::to_string(o.max_piece_length)},
      {"character_coverage", std::to_string(o.character_coverage)},
      {"byte_fallback", "true"},
      {"normalization_rule_name", "identity"},
      {"add_dummy_prefix", "false"},
      {"remove_extra_whitespaces", "false"},
      {"split_digits", "true"},
      {"max_sentence_length", "8192"},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"num_threads", std::to_string(o.threads)},
      {"pad_id", "3"},
      {"unk_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"minloglevel", o.quiet ? "2" : "1"},
  };
  VectorIterator it(sentences);
  std::string proto;
  auto st = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
  if (!st.ok()) throw Error("tokenizer training failed: " + std::string(st.message()));
  write_file_atomic(out_path, proto);
  return from_bytes(proto, out_path);
}

Tokenizer Tokenizer::train_on_corpus(const std::string& corpus_path, const std::string& out_path,
                                     const TokenizerTrainOptions& o,
                                     const CorpusReadOptions& read) {
  o.validate();
  // Reservoir-sample sentences so memory stays bounded on any corpus size.
  std::mt19937_64 rng(o.seed);
  std::vector<std::string> sample;
  uint64_t seen = 0;
  CorpusReader reader(corpus_path, read);
  Progress progress("tokenizer: reading sentences", reader.file_bytes() >> 20, "MB");
  Case c;
  while (reader.next(c)) {
    for (auto& s : split_sentences(c.text)) {
      ++seen;
      if (sample.size() < o.max_sentences) {
        sample.push_back(std::move(s));
      } else {
        uint64_t j = std::uniform_int_distribution<uint64_t>(0, seen - 1)(rng);
        if (j < o.max_sentences) sample[j] = std::move(s);
      }
    }
    progress.update(reader.bytes_consumed() >> 20);
  }
  progress.finish(std::to_string(seen) + " sentences, " + std::to_string(sample.size()) +
                  " sampled");
  if (sample.empty()) throw Error(corpus_path + ": no text to train a tokenizer on");
  return train_on_sentences(sample, out_path, o);
}

}  // namespace lcr
