// Content hashes used to tie artifacts together (tokenizer hash, corpus manifest, file
// checksums). xxHash64: fast enough to verify a whole index at load time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lcr {

uint64_t xxh64(std::string_view bytes, uint64_t seed = 0);
/// Hash of a file's bytes, streamed; throws lcr::Error naming the file when unreadable.
uint64_t xxh64_file(const std::string& path, uint64_t* size = nullptr);
/// 16 lowercase hex digits.
std::string hex64(uint64_t v);

}  // namespace lcr
