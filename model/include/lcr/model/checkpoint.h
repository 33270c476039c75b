// Checkpoint files: self-describing, checksummed, written atomically.
//
// Layout (all integers little-endian):
//   8 bytes   magic "LCRCKPT\n"
//   u32       format version (kCheckpointVersion)
//   u64       header length H
//   H bytes   header JSON: model options, tokenizer hash, training-data manifest, step,
//             first-token ids, trainer state, and for each section its name, size and xxh64
//   sections  raw bytes in header order: "model" (torch archive of the parameters),
//             "optimizer" (torch archive of the AdamW state; may be empty)
//   u64       xxh64 of every byte before it
// The reader checks the magic, the version, the sizes (truncation), the checksums and the
// JSON before anything is handed to libtorch, so a damaged file gives an lcr::Error and never
// a crash. No libtorch types here: tensors travel as archive bytes (see transformer.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lcr/model/options.h"

namespace lcr {

class Tokenizer;

inline constexpr uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  ModelOptions options;
  uint64_t tokenizer_hash = 0;        // lcr::Tokenizer::hash() of the training tokenizer
  std::string data_manifest = "{}";   // JSON: what the model was trained from
  std::string trainer_state = "{}";   // JSON: training options and data position (resume)
  int64_t step = 0;                   // optimizer steps taken
  std::vector<int32_t> first_tokens;  // sentencepiece ids allowed in the first decoder step
  std::string model_state;            // torch archive bytes of the parameters
  std::string optimizer_state;        // torch archive bytes of the optimizer ("" if none)
};

/// Serializes to the layout above.
std::string checkpoint_to_bytes(const Checkpoint& c);
/// Parses and verifies; `origin` (a path) names the file in errors. Throws lcr::Error for a
/// bad magic, an unknown version, truncation, a checksum mismatch or a malformed header.
Checkpoint checkpoint_from_bytes(const std::string& bytes, const std::string& origin);

/// Writes atomically (temp file beside, then rename).
void save_checkpoint(const std::string& path, const Checkpoint& c);
/// Reads and verifies a checkpoint file (see checkpoint_from_bytes).
Checkpoint load_checkpoint(const std::string& path);

/// Writes the checkpoint at `in` to `out` without its optimizer state: what search and
/// generate read, about a third of the size (AdamW keeps two moments per parameter). Such a
/// copy cannot be resumed. Atomic; refuses an existing `out`. Returns the bytes written.
uint64_t export_for_serving(const std::string& in, const std::string& out);

/// Throws lcr::Error unless `tokenizer` is the one the checkpoint was trained with:
/// "<origin>: checkpoint was trained with tokenizer <hex>, but <tokenizer_path> has hash
/// <hex>; pass the tokenizer it was trained with (--tokenizer) or retrain the model".
void check_tokenizer(const Checkpoint& c, const std::string& origin, const Tokenizer& tokenizer,
                     const std::string& tokenizer_path);

}  // namespace lcr
