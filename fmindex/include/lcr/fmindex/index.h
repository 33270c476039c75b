// An index directory: what `lcr index build` writes and every reader opens.
//
//   DIR/manifest.json    magic "lcr-index", format version, build id, tokenizer hash, the
//                        corpus manifest (file, bytes, xxh64, cases), build options and
//                        statistics, and size + xxh64 of every other file
//   DIR/tokenizer.model  the sentencepiece model the cases were tokenized with
//   DIR/fm.bin           the FM-index (container: magic, version, checksum, build id)
//   DIR/docs.bin         the document store (same container)
//
// open() verifies all of it and refuses a mismatch with a sentence naming the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lcr/core/corpus.h"
#include "lcr/core/tokenizer.h"
#include "lcr/fmindex/doc_store.h"
#include "lcr/fmindex/fm_index.h"

namespace lcr::fm {

constexpr uint32_t kIndexFormatVersion = 1;

struct IndexBuildOptions {
  std::string corpus;          // JSONL or .jsonl.zst
  std::string out;             // index directory (replaced atomically)
  std::string tokenizer;       // existing .model; empty = train one on the corpus
  TokenizerTrainOptions tokenizer_options;  // when training
  std::string field = "text";  // what to index: text | facts (facts falls back to text)
  uint32_t sample_rate = 32;   // SA sample step
  int threads = 2;             // tokenizing threads
  bool skip_bad = false;       // skip bad corpus lines (reported) instead of failing
  int doc_level = 9;           // zstd level of the document store
  void validate() const;
};

struct IndexBuildReport {
  uint64_t cases = 0, tokens = 0, text_bytes = 0, skipped = 0;
  std::string skip_summary;
  double tokenize_seconds = 0, tokenizer_train_seconds = 0, index_seconds = 0;
  uint64_t fm_bytes = 0, docs_bytes = 0;
  SpaceBreakdown space;
};

/// Builds into a staging directory beside `out` and swaps it in: an interrupted or failed
/// build leaves whatever stood at `out` intact.
IndexBuildReport build_index(const IndexBuildOptions& options);

class Index {
 public:
  /// Opens and verifies an index directory. Throws lcr::Error with an exact message.
  static Index open(const std::string& dir);
  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;
  ~Index();

  const FmIndex& fm() const;
  const Tokenizer& tokenizer() const;
  const DocStore& docs() const;
  const std::string& dir() const;
  /// The manifest as JSON text.
  const std::string& manifest_json() const;
  uint64_t build_id() const;

  /// Refuses (lcr::Error) an artifact made with another tokenizer: `what` names it
  /// ("checkpoint model.pt").
  void require_tokenizer(uint64_t tokenizer_hash, const std::string& what) const;

  /// Token ids of `text` as the index sees them.
  std::vector<int32_t> encode(const std::string& text) const { return tokenizer().encode(text); }

  /// Byte range in the case's text of tokens [offset, offset + length).
  std::pair<size_t, size_t> byte_span(const std::string& text, uint32_t offset,
                                      uint32_t length) const;
  /// Text around a match, with `context` bytes (cut at UTF-8 boundaries) on each side and the
  /// match wrapped in `open`/`close` markers.
  std::string snippet(const std::string& text, uint32_t offset, uint32_t length, size_t context,
                      const std::string& open = "[", const std::string& close = "]") const;

 private:
  Index();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lcr::fm
