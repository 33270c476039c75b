// Tokenizer: a sentencepiece model trained on the corpus itself.
//
// Trained with identity normalization, no dummy prefix and whitespace kept as is, plus byte
// fallback: every text encodes, and decode(encode(t)) == t byte for byte (one exception:
// U+2581, sentencepiece's own space mark, reads back as a space). That makes the token
// stream a faithful image of the text, so token-level counts in the FM-index can agree with
// substring counts (docs/tokenization.md). Pieces are capped at `max_piece_length`
// characters: 1 (the default) makes Chinese text character-level, which keeps every
// phrase's tokenization the same wherever it occurs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lcr/core/corpus.h"

namespace lcr {

struct TokenizerTrainOptions {
  int vocab_size = 8000;        // upper bound: a small corpus may yield fewer pieces
  int max_piece_length = 1;     // characters per piece; 1 = character-level for CJK
  std::string model_type = "unigram";  // unigram | bpe
  double character_coverage = 0.9995;  // the rest falls back to bytes
  uint64_t seed = 1;            // sentence sampling and sentencepiece's own seed
  uint64_t max_sentences = 1000000;    // sampled from the corpus (reservoir)
  int threads = 2;
  bool quiet = false;
  void validate() const;        // throws lcr::Error naming the bad option
};

class Tokenizer {
 public:
  /// Loads a sentencepiece .model file; throws lcr::Error naming the file.
  static Tokenizer load(const std::string& path);
  /// Loads from the model file's bytes (`origin` names it in errors).
  static Tokenizer from_bytes(const std::string& bytes, const std::string& origin);

  /// Trains on sentences split from the texts of a corpus file (JSONL / .zst) and writes
  /// the model to `out_path` atomically. Returns the loaded tokenizer.
  static Tokenizer train_on_corpus(const std::string& corpus_path, const std::string& out_path,
                                   const TokenizerTrainOptions& options,
                                   const CorpusReadOptions& read = {});
  /// Trains on the given sentences (tests, tools).
  static Tokenizer train_on_sentences(const std::vector<std::string>& sentences,
                                      const std::string& out_path,
                                      const TokenizerTrainOptions& options);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  /// Sentencepiece ids, each in [0, vocab_size()).
  std::vector<int32_t> encode(std::string_view text) const;
  std::string decode(const std::vector<int32_t>& ids) const;
  /// The surface text of one piece ("▁" shown as a space, a byte piece as its byte).
  std::string surface(int32_t id) const;
  /// Bytes that piece `id` covers in the original text (1 for a byte piece).
  uint32_t surface_bytes(int32_t id) const { return surface_bytes_[static_cast<size_t>(id)]; }
  std::string piece(int32_t id) const;
  bool is_byte(int32_t id) const;
  bool is_control(int32_t id) const;  // <unk>, <s>, </s>: never in encoded text but <unk>
  int vocab_size() const;
  int eos_id() const;
  int bos_id() const;
  int pad_id() const;  // -1 when the model has none

  /// xxh64 of the serialized model: ties indexes and checkpoints to this tokenizer.
  uint64_t hash() const { return hash_; }
  const std::string& model_bytes() const { return bytes_; }

 private:
  Tokenizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string bytes_;
  uint64_t hash_ = 0;
  std::vector<uint32_t> surface_bytes_;
};

/// Splits text into sentences for tokenizer training: ends at 。！？；!?; and newlines, and
/// cuts pieces longer than `max_bytes` at a UTF-8 boundary.
std::vector<std::string> split_sentences(std::string_view text, size_t max_bytes = 2000);

}  // namespace lcr
