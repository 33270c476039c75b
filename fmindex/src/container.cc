#include "container.h"

#include <cstring>
#include <fstream>

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

std::string read_container(const std::string& path, const ContainerSpec& spec,
                           uint64_t expected_build_id) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open " + spec.what + " file");
  char h[kHeaderBytes];
  in.read(h, kHeaderBytes);
  if (static_cast<size_t>(in.gcount()) < 8 || std::memcmp(h, spec.magic, 8) != 0)
    throw Error(path + ": not an lcr " + spec.what + " file (bad magic)");
  if (static_cast<size_t>(in.gcount()) < kHeaderBytes)
    throw Error(path + ": truncated " + spec.what + " file (header incomplete); rebuild the index");
  const auto version = get<uint32_t>(h + 8);
  if (version != spec.version)
    throw Error(path + ": " + spec.what + " format version " + std::to_string(version) +
                ", but this lcr reads version " + std::to_string(spec.version) +
                "; rebuild the index with this lcr");
  const auto bytes = get<uint64_t>(h + 16);
  const auto sum = get<uint64_t>(h + 24);
  const auto build = get<uint64_t>(h + 32);
  in.seekg(0, std::ios::end);
  const uint64_t have = static_cast<uint64_t>(in.tellg()) - kHeaderBytes;
  if (have != bytes)
    throw Error(path + ": truncated or padded " + spec.what + " file: header says " +
                std::to_string(bytes) + " payload bytes, the file has " + std::to_string(have) +
                "; rebuild the index");
  if (build != expected_build_id)
    throw Error(path + ": belongs to build " + hex64(build) + ", but the manifest names build " +
                hex64(expected_build_id) + "; the index directory mixes two builds, rebuild it");
  in.seekg(static_cast<std::streamoff>(kHeaderBytes));
  std::string payload(bytes, '\0');
  in.read(payload.data(), static_cast<std::streamsize>(bytes));
  if (static_cast<uint64_t>(in.gcount()) != bytes) throw Error(path + ": read error");
  if (xxh64(payload) != sum)
    throw Error(path + ": checksum mismatch: the " + std::string(spec.what) +
                " file is corrupted; rebuild the index");
  return payload;
}

}  // namespace lcr::fm
