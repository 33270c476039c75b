#include "container.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>

#include "lcr/core/error.h"
#include "lcr/core/hash.h"

namespace lcr::fm {

namespace {
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8 + 8;

template <typename T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace

void write_container(const std::string& path, const ContainerSpec& spec, uint64_t build_id,
                     const std::string& payload) {
  std::string header(spec.magic, 8);
  put<uint32_t>(header, spec.version);
  put<uint32_t>(header, 0);
  put<uint64_t>(header, payload.size());
  put<uint64_t>(header, xxh64(payload));
  put<uint64_t>(header, build_id);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  out.flush();
  if (!out) throw Error(path + ": write failed (disk full?)");
}

MappedContainer MappedContainer::open(const std::string& path, const ContainerSpec& spec,
                                      uint64_t expected_build_id) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open " + spec.what + " file (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    throw Error(path + ": cannot stat " + spec.what + " file (" + std::strerror(e) + ")");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  char h[kHeaderBytes] = {};
  const ssize_t got = size ? ::pread(fd, h, kHeaderBytes, 0) : 0;
  auto fail = [&](const std::string& msg) {
    ::close(fd);
    throw Error(msg);
  };
  if (got < 8 || std::memcmp(h, spec.magic, 8) != 0)
    fail(path + ": not an lcr " + spec.what + " file (bad magic)");
  if (static_cast<size_t>(got) < kHeaderBytes)
    fail(path + ": truncated " + spec.what + " file (header incomplete); rebuild the index");
  const auto version = get<uint32_t>(h + 8);
  if (version != spec.version)
    fail(path + ": " + spec.what + " format version " + std::to_string(version) +
         ", but this lcr reads version " + std::to_string(spec.version) +
         "; rebuild the index with this lcr");
  const auto bytes = get<uint64_t>(h + 16);
  const auto sum = get<uint64_t>(h + 24);
  const auto build = get<uint64_t>(h + 32);
  const uint64_t have = size - kHeaderBytes;
  if (have != bytes)
    fail(path + ": truncated or padded " + spec.what + " file: header says " +
         std::to_string(bytes) + " payload bytes, the file has " + std::to_string(have) +
         "; rebuild the index");
  if (build != expected_build_id)
    fail(path + ": belongs to build " + hex64(build) + ", but the manifest names build " +
         hex64(expected_build_id) + "; the index directory mixes two builds, rebuild it");
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file
  if (base == MAP_FAILED)
    throw Error(path + ": cannot map " + spec.what + " file (" + std::strerror(map_errno) + ")");
  MappedContainer c;
  c.base_ = base;
  c.length_ = size;
  c.payload_ = std::string_view(static_cast<const char*>(base) + kHeaderBytes, bytes);
  // Checksum in 64 MiB steps, giving each step's pages back: verifying a 1 GB file does not
  // make it resident.
  ::madvise(base, size, MADV_SEQUENTIAL);
  std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> hs(XXH64_createState(),
                                                                 &XXH64_freeState);
  XXH64_reset(hs.get(), 0);
  constexpr size_t kStep = size_t{64} << 20;  // a multiple of the page size
  for (size_t at = 0; at < size; at += kStep) {
    const size_t n = std::min(kStep, size - at);
    const char* p = static_cast<const char*>(base) + at;
    const size_t skip = at < kHeaderBytes ? kHeaderBytes - at : 0;
    if (n > skip) XXH64_update(hs.get(), p + skip, n - skip);
    ::madvise(const_cast<char*>(p), n, MADV_DONTNEED);
  }
  ::madvise(base, size, MADV_NORMAL);
  const bool ok = XXH64_digest(hs.get()) == sum;
  if (!ok)
    throw Error(path + ": checksum mismatch: the " + std::string(spec.what) +
                " file is corrupted; rebuild the index");
  return c;
}

MappedContainer::~MappedContainer() {
  if (base_) ::munmap(base_, length_);
}

MappedContainer::MappedContainer(MappedContainer&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)),
      length_(std::exchange(o.length_, 0)),
      payload_(std::exchange(o.payload_, {})) {}

MappedContainer& MappedContainer::operator=(MappedContainer&& o) noexcept {
  if (this != &o) {
    if (base_) ::munmap(base_, length_);
    base_ = std::exchange(o.base_, nullptr);
    length_ = std::exchange(o.length_, 0);
    payload_ = std::exchange(o.payload_, {});
  }
  return *this;
}

void MappedContainer::release_pages() const {
  // A private read-only file mapping: dropped pages are read again from the file when touched.
  if (base_) ::madvise(base_, length_, MADV_DONTNEED);
}

ViewStreambuf::ViewStreambuf(std::string_view bytes, bool drop_behind, size_t window)
    : bytes_(bytes), drop_behind_(drop_behind), window_(std::max<size_t>(window, 1)) {
  show(0);
}

void ViewStreambuf::show(size_t at) {
  at = std::min(at, bytes_.size());
  // The get area never writes through these pointers: std::streambuf only lacks a const API.
  char* base = const_cast<char*>(bytes_.data());
  win_begin_ = at;
  const size_t end = std::min(bytes_.size(), at + window_);
  setg(base + at, base + at, base + end);
}

ViewStreambuf::int_type ViewStreambuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  const size_t done = static_cast<size_t>(egptr() - bytes_.data());
  if (done >= bytes_.size()) return traits_type::eof();
  if (drop_behind_) {
    // Whole pages inside the finished window only: a page shared with the next is kept.
    const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto lo = (reinterpret_cast<uintptr_t>(bytes_.data() + win_begin_) + page - 1) / page * page;
    const auto hi = reinterpret_cast<uintptr_t>(bytes_.data() + done) / page * page;
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  }
  show(done);
  return traits_type::to_int_type(*gptr());
}

ViewStreambuf::pos_type ViewStreambuf::seekoff(off_type off, std::ios_base::seekdir dir,
                                               std::ios_base::openmode which) {
  if (!(which & std::ios_base::in)) return pos_type(off_type(-1));
  const auto cur = static_cast<off_type>(gptr() - bytes_.data());
  const off_type base = dir == std::ios_base::beg   ? 0
                        : dir == std::ios_base::cur ? cur
                                                    : static_cast<off_type>(bytes_.size());
  const off_type to = base + off;
  if (to < 0 || to > static_cast<off_type>(bytes_.size())) return pos_type(off_type(-1));
  show(static_cast<size_t>(to));
  return pos_type(to);
}

ViewStreambuf::pos_type ViewStreambuf::seekpos(pos_type pos, std::ios_base::openmode which) {
  return seekoff(off_type(pos), std::ios_base::beg, which);
}

}  // namespace lcr::fm
