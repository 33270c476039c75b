// Corpus ingestion: JSONL (plain or .zst), one case a line.
//
// Format (docs/corpus-format.md): `id` (string, or integer taken as its decimal string) and
// `text` (string) are required; `title` (string), `charges` (array of strings) and `facts`
// (string) are optional; every other field is kept verbatim as free metadata (court, year,
// statutes, ...). Blank lines are ignored.
//
// Errors name the file and the 1-based line: malformed JSON, invalid UTF-8, a missing or
// mistyped field, a duplicate id. With `skip_bad` the reader skips such lines instead and
// counts them by reason, so a corpus is never half-read silently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lcr {

struct Case {
  std::string id;
  std::string title;
  std::string text;
  std::string facts;
  std::vector<std::string> charges;
  std::string metadata_json;  // the other fields as a JSON object ("{}" when none)
  uint64_t line = 0;          // 1-based line in the source file
};

struct CorpusReadOptions {
  bool skip_bad = false;  // skip bad lines (counted by reason) instead of throwing
};

/// Streams cases from a JSONL file, plain or zstd-compressed (by the `.zst` suffix or the
/// zstd magic). Throws lcr::Error("FILE:LINE: ...") on the first bad line unless skip_bad.
class CorpusReader {
 public:
  explicit CorpusReader(const std::string& path, CorpusReadOptions options = {});
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  /// Reads the next good case into `out`; false at the end of the file.
  bool next(Case& out);

  const std::string& path() const;
  /// Compressed bytes consumed so far and the file's size: for progress display.
  uint64_t bytes_consumed() const;
  uint64_t file_bytes() const;
  uint64_t cases_read() const;
  uint64_t lines_skipped() const;
  /// Skipped lines by reason ("malformed JSON" -> 3, ...), and the first few examples.
  const std::map<std::string, uint64_t>& skip_reasons() const;
  /// One sentence such as "skipped 3 bad lines: 2 malformed JSON, 1 duplicate id".
  std::string skip_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a whole corpus into memory (small corpora, tests, tools).
std::vector<Case> read_corpus(const std::string& path, CorpusReadOptions options = {});

/// Identity of a corpus file for manifests: path, size, xxh64 of its bytes.
struct FileManifest {
  std::string path;
  uint64_t bytes = 0;
  uint64_t xxh64 = 0;
};
FileManifest manifest_of(const std::string& path);

/// Checks that `s` is well-formed UTF-8; returns the byte offset of the first bad byte, or
/// std::string::npos when it is valid.
size_t first_invalid_utf8(const std::string& s);

}  // namespace lcr
