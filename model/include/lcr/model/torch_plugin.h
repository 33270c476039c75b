// Why libtorch lives in a plugin, and the plugin's interface.
//
// Debian's libsentencepiece exports a bundled protobuf-lite 3.14 and libtorch loads the
// system libprotobuf 3.21. Linked into one executable, each binds some of the other's
// protobuf symbols and the process crashes at start-up (or refuses the version). So the
// libtorch code is built as shared plugins (liblcr_torch_model.so, liblcr_torch_trainer.so)
// that the torch-free facades (lcr_model, lcr_trainer) dlopen with RTLD_LOCAL |
// RTLD_DEEPBIND: libtorch and its protobuf resolve inside the plugin, sentencepiece stays in
// the global scope, and neither sees the other. A libtorch that carries its own protobuf
// (PyTorch's wheels, as on the GPU machine) is opened without DEEPBIND, which breaks its
// std::call_once there; CMake reads libtorch_cpu's dependencies to choose
// (cmake/LcrDeps.cmake). Rule: never link libtorch into a binary that
// uses lcr::Tokenizer; go through the facades (tests that use transformer.h directly link
// lcr_torch_model and must not use the tokenizer).
//
// Plugins are searched for in $LCR_PLUGIN_DIR, beside the executable, in ../lib beside it,
// and at their build-tree path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lcr/decoder/step_model.h"
#include "lcr/model/checkpoint.h"

namespace lcr {

inline constexpr uint32_t kTorchModelApiVersion = 2;  // 2: StepModel::source_charges

/// What liblcr_torch_model.so exports (extern "C" lcr_torch_model_api()).
struct TorchModelApi {
  uint32_t version = kTorchModelApiVersion;
  /// A StepModel over the checkpoint's parameters on `device` ("cpu" | "cuda", resolved).
  std::unique_ptr<StepModel> (*make_step_model)(const Checkpoint& checkpoint,
                                                const std::string& device,
                                                const std::string& origin);
  /// Freshly initialised parameters (archive bytes) for `options`, seeded.
  std::string (*random_state)(const ModelOptions& options, uint64_t seed);
  bool (*cuda_available)();
  void (*set_threads)(int threads);  // > 0
};

/// Loads (once) the shared library `file_name` and returns the address of `symbol`.
/// `build_path` is where the build tree put it. Throws lcr::Error saying where it looked.
void* load_plugin_symbol(const std::string& file_name, const std::string& build_path,
                         const char* symbol);

/// The model plugin's interface (loaded on first use; throws lcr::Error if it cannot be).
const TorchModelApi& torch_model_api();

}  // namespace lcr
