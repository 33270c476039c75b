// Compressed document store: every case's record (id, title, charges, metadata, text)
// compressed on its own with zstd and a dictionary trained on the first cases, so any case
// is one decompression away (random access by case index) while small records still
// compress well.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "lcr/core/corpus.h"

namespace lcr::fm {

struct StoredCase {
  std::string id, title, text;
  std::vector<std::string> charges;
  std::string metadata_json;
};

/// Streams records in; holds the first `dict_sample` records to train the dictionary, then
/// compresses the rest as they come.
class DocStoreWriter {
 public:
  explicit DocStoreWriter(int level = 9, size_t dict_sample = 2000);
  ~DocStoreWriter();
  void add(const Case& c);
  /// Writes the store to `path` inside a container stamped with `build_id`.
  void finish(const std::string& path, uint64_t build_id);
  uint64_t raw_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class DocStore {
 public:
  DocStore();
  DocStore(DocStore&&) noexcept;
  DocStore& operator=(DocStore&&) noexcept;
  ~DocStore();
  /// Opens and verifies the container (magic, version, size, checksum, build id).
  static DocStore open(const std::string& path, uint64_t build_id);

  uint32_t size() const;
  /// Throws lcr::Error when case_index is out of range.
  StoredCase get(uint32_t case_index) const;
  /// Case index of an id, or -1.
  int64_t find(const std::string& id) const;
  const std::string& id(uint32_t case_index) const;
  uint64_t compressed_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lcr::fm
