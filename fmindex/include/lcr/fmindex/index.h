// An index directory: what `lcr index build` writes and every reader opens.
//
//   DIR/manifest.json    magic "lcr-index", format version, build id, tokenizer hash, the
//                        corpus manifest (file, bytes, xxh64, cases), build options and
//                        statistics, and size + xxh64 of every other file
//   DIR/tokenizer.model  the sentencepiece model the cases were tokenized with
//   DIR/fm.bin           the FM-index (container: magic, version, checksum, build id)
//   DIR/docs.bin         the document store (same container)
//
// A corpus bigger than one shard (--shard-tokens) is indexed in shards of consecutive cases,
// DIR/shard-0000/{fm.bin,docs.bin,shard.json} and so on, listed in the manifest and queried
// as one index (ShardedFm; case ids are global). A build works in DIR.building/: finished
// shards stay there when it is interrupted, and rerunning the same command resumes after
// them; DIR itself is only replaced, atomically, when the build is complete.
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
#include "lcr/fmindex/sharded.h"

namespace lcr::fm {

constexpr uint32_t kIndexFormatVersion = 1;

struct IndexBuildOptions {
  std::string corpus;                       // JSONL or .jsonl.zst
  std::string out;                          // index directory (replaced atomically)
  std::string tokenizer;                    // existing .model; empty = train one on the corpus
  TokenizerTrainOptions tokenizer_options;  // when training
  std::string field = "text";  // what to index: text | facts (facts falls back to text)
  uint32_t sample_rate = 32;   // SA sample step
  int threads = 2;             // tokenizing threads
  bool skip_bad = false;       // skip bad corpus lines (reported) instead of failing
  int doc_level = 9;           // zstd level of the document store
  /// A shard is closed once it holds this many tokens (it ends at a case boundary). The
  /// memory of a build is about 14 bytes per token of one shard, plus the shard being
  /// tokenized meanwhile; the default keeps a build under 8 GiB.
  uint64_t shard_tokens = 512ull << 20;
  /// Tests: stop (throwing lcr::Error) after this many shards were built in this run, as an
  /// interrupted build would; 0 = never.
  uint32_t stop_after_shards = 0;
  void validate() const;
};

struct IndexBuildReport {
  uint64_t cases = 0, tokens = 0, text_bytes = 0, skipped = 0;
  uint32_t shards = 0, resumed_shards = 0;  // resumed: found finished from an earlier run
  std::string skip_summary;
  double tokenize_seconds = 0, tokenizer_train_seconds = 0, index_seconds = 0, total_seconds = 0;
  // index_seconds sums the shard builds, which overlap tokenizing: total is the wall time.
  uint64_t fm_bytes = 0, docs_bytes = 0;
  SpaceBreakdown space;
};

/// Builds in `out`.building/ and swaps it in: an interrupted or failed build leaves whatever
/// stood at `out` intact, and the same build run again reuses the shards it finished.
IndexBuildReport build_index(const IndexBuildOptions& options);

class Index {
 public:
  /// Opens and verifies an index directory. Throws lcr::Error with an exact message.
  static Index open(const std::string& dir);
  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;
  ~Index();

  /// The FM-index: every shard, queried as one.
  const ShardedFm& fm() const;
  const Tokenizer& tokenizer() const;
  size_t num_shards() const;

  /// Cases by global id (0-based corpus order), over all shards.
  uint32_t num_cases() const;
  StoredCase get_case(uint32_t case_index) const;
  const std::string& case_id(uint32_t case_index) const;
  /// Global id of a case id, or -1.
  int64_t find_case(const std::string& id) const;
  /// Compressed bytes of the document stores.
  uint64_t docs_bytes() const;
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
