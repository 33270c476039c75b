// The envelope of every binary file in an index directory:
//   magic (8 bytes) | format version (u32) | reserved (u32) | payload bytes (u64) |
//   payload xxh64 (u64) | build id (u64) | payload
// The build id ties the files of one build together; the checksum catches corruption,
// the size truncation. Every refusal is a sentence that names the file and what to do.
#pragma once

#include <cstdint>
#include <streambuf>
#include <string>
#include <string_view>

namespace lcr::fm {

struct ContainerSpec {
  const char* magic;      // exactly 8 bytes
  uint32_t version;
  const char* what;       // "FM-index", "document store": for messages
};

/// Writes header + payload to `path` (not atomic by itself: callers write into a staging dir).
void write_container(const std::string& path, const ContainerSpec& spec, uint64_t build_id,
                     const std::string& payload);
/// A container file mapped read-only and verified (magic, version, size, build id, checksum).
/// The payload is a view into the mapping and lives as long as this object. Its pages belong
/// to the kernel's file cache, not to the heap: opening a 1 GB document store copies nothing,
/// the checksum pass gives each step's pages back as it goes, and later reads fault in only
/// what they touch. Throws lcr::Error with an exact message naming the file. A file shortened
/// while mapped would fault on access; index files are never rewritten in place (a build
/// writes a new directory and swaps it in), so an open index keeps its own files.
class MappedContainer {
 public:
  MappedContainer() = default;
  static MappedContainer open(const std::string& path, const ContainerSpec& spec,
                              uint64_t expected_build_id);
  ~MappedContainer();
  MappedContainer(MappedContainer&& o) noexcept;
  MappedContainer& operator=(MappedContainer&& o) noexcept;
  MappedContainer(const MappedContainer&) = delete;
  MappedContainer& operator=(const MappedContainer&) = delete;

  std::string_view payload() const { return payload_; }
  /// Lets the kernel take the pages out of this process's resident set; they stay in the page
  /// cache and fault back in when read. Call after a pass over much of the payload.
  void release_pages() const;

 private:
  void* base_ = nullptr;
  size_t length_ = 0;
  std::string_view payload_;
};

/// An input stream buffer over bytes that outlive it (a mapped payload): lets a loader that
/// reads a std::istream (sdsl) parse the payload in place, without copying it into a string.
/// It serves the bytes in windows; with `drop_behind`, the pages of each finished window are
/// given back to the kernel (the bytes must be a private read-only file mapping), so loading
/// a 700 MB shard holds its parsed structures and one window, not the file as well.
class ViewStreambuf : public std::streambuf {
 public:
  explicit ViewStreambuf(std::string_view bytes, bool drop_behind = false,
                         size_t window = size_t{64} << 20);

 protected:
  int_type underflow() override;
  pos_type seekoff(off_type off, std::ios_base::seekdir dir,
                   std::ios_base::openmode which) override;
  pos_type seekpos(pos_type pos, std::ios_base::openmode which) override;

 private:
  void show(size_t at);  // makes the window starting at byte `at` the get area
  std::string_view bytes_;
  bool drop_behind_;
  size_t window_;
  size_t win_begin_ = 0;
};

}  // namespace lcr::fm
