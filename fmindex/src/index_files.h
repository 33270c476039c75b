// Names and container specs of the files in an index directory.
#pragma once

#include "container.h"

namespace lcr::fm {

inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kManifestMagic = "lcr-index";
inline constexpr const char* kTokenizerFile = "tokenizer.model";
inline constexpr const char* kFmFile = "fm.bin";
inline constexpr const char* kDocsFile = "docs.bin";
inline constexpr ContainerSpec kFmSpec{"LCRFMIX\x01", 1, "FM-index"};

}  // namespace lcr::fm
