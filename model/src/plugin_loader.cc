#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "lcr/core/error.h"
#include "lcr/model/torch_plugin.h"

namespace lcr {

namespace {

std::vector<std::string> candidates(const std::string& file_name, const std::string& build_path) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  if (const char* dir = std::getenv("LCR_PLUGIN_DIR"); dir && *dir)
    out.push_back((fs::path(dir) / file_name).string());
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / file_name).string());
    out.push_back((exe.parent_path().parent_path() / "lib" / file_name).string());
  }
  out.push_back(build_path);
  return out;
}

int open_flags() {
  // RTLD_DEEPBIND keeps the plugin's protobuf apart from sentencepiece's (torch_plugin.h),
  // where libtorch links the system libprotobuf; CMake decides (cmake/LcrDeps.cmake).
  // AddressSanitizer refuses it; sanitizer builds skip the torch tests.
#if LCR_PLUGIN_DEEPBIND && !defined(__SANITIZE_ADDRESS__)
  return RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#else
  return RTLD_NOW | RTLD_LOCAL;
#endif
}

}  // namespace

void* load_plugin_symbol(const std::string& file_name, const std::string& build_path,
                         const char* symbol) {
  static std::mutex mu;
  static std::map<std::string, void*> handles;
  std::lock_guard<std::mutex> lock(mu);
  void*& handle = handles[file_name];
  std::string tried;
  if (!handle) {
    // Idle OpenMP workers spin by default and starve OpenBLAS's threads (and everyone else's
    // on a shared machine): 60% of a CPU training step went to spinning. libgomp reads this
    // once, when the plugin loads it; a value the user set wins.
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    for (const auto& path : candidates(file_name, build_path)) {
      if (!std::filesystem::exists(path)) {
        tried += "\n  " + path + ": not found";
        continue;
      }
      handle = ::dlopen(path.c_str(), open_flags());
      if (handle) break;
      const char* err = ::dlerror();
      tried += "\n  " + path + ": " + (err ? err : "dlopen failed");
    }
  }
  if (!handle)
    throw Error("cannot load the libtorch plugin " + file_name +
                " (set LCR_PLUGIN_DIR to the "
                "folder that holds it):" +
                tried);
  void* sym = ::dlsym(handle, symbol);
  if (!sym) throw Error(file_name + ": has no symbol " + symbol + " (stale plugin? rebuild)");
  return sym;
}

const TorchModelApi& torch_model_api() {
  static const TorchModelApi* api = [] {
    using Fn = const TorchModelApi* (*)();
    auto fn = reinterpret_cast<Fn>(
        load_plugin_symbol("liblcr_torch_model.so", LCR_TORCH_MODEL_PLUGIN, "lcr_torch_model_api"));
    const TorchModelApi* a = fn();
    if (a->version != kTorchModelApiVersion)
      throw Error("liblcr_torch_model.so: interface version " + std::to_string(a->version) +
                  ", expected " + std::to_string(kTorchModelApiVersion) +
                  " (stale plugin? rebuild)");
    return a;
  }();
  return *api;
}

}  // namespace lcr
