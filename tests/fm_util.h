// Test helper: a corpus (token ids per case) indexed as `parts` shards of consecutive cases,
// as `lcr index build --shard-tokens` cuts a large one.
#pragma once

#include <cstdint>
#include <vector>

#include "lcr/fmindex/sharded.h"

namespace lcr::test {

inline fm::ShardedFm sharded_index(const std::vector<std::vector<int32_t>>& cases, size_t parts,
                                   uint32_t sample_rate = 32) {
  fm::ShardedFm s;
  if (parts < 1) parts = 1;
  if (parts > cases.size()) parts = cases.size();
  size_t begin = 0;
  for (size_t p = 0; p < parts; ++p) {
    size_t end = cases.size() * (p + 1) / parts;
    s.add_shard(fm::FmIndex::build({cases.begin() + static_cast<std::ptrdiff_t>(begin),
                                    cases.begin() + static_cast<std::ptrdiff_t>(end)},
                                   sample_rate));
    begin = end;
  }
  return s;
}

}  // namespace lcr::test
