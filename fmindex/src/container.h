// The envelope of every binary file in an index directory:
//   magic (8 bytes) | format version (u32) | reserved (u32) | payload bytes (u64) |
//   payload xxh64 (u64) | build id (u64) | payload
// The build id ties the files of one build together; the checksum catches corruption,
// the size truncation. Every refusal is a sentence that names the file and what to do.
#pragma once

#include <cstdint>
#include <string>

namespace lcr::fm {

struct ContainerSpec {
  const char* magic;      // exactly 8 bytes
  uint32_t version;
  const char* what;       // "FM-index", "document store": for messages
};

/// Writes header + payload to `path` (not atomic by itself: callers write into a staging dir).
void write_container(const std::string& path, const ContainerSpec& spec, uint64_t build_id,
                     const std::string& payload);
/// Reads and verifies; returns the payload. Throws lcr::Error with an exact message.
std::string read_container(const std::string& path, const ContainerSpec& spec,
                           uint64_t expected_build_id);

}  // namespace lcr::fm
