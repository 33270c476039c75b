// Writing files and directories so that a reader never sees a half-written one: write
// beside, then rename into place.
#pragma once

#include <string>

namespace lcr {

/// Writes `bytes` to `path` through `path.tmp-PID` and a rename.
void write_file_atomic(const std::string& path, const std::string& bytes);
/// Reads a whole file; throws lcr::Error naming it when it cannot.
std::string read_file(const std::string& path);

/// Moves the directory `staging` to `final_path`, atomically replacing what stands there
/// (renameat2 RENAME_EXCHANGE, then the old contents are removed).
void swap_dir_into_place(const std::string& staging, const std::string& final_path);

/// A directory built beside its final place and swapped in on commit(). If commit() is
/// never called (an exception, an interrupt), the destructor removes the staging folder and
/// whatever stood at the final path stays untouched.
class StagedDir {
 public:
  explicit StagedDir(const std::string& final_path);
  ~StagedDir();
  StagedDir(const StagedDir&) = delete;
  StagedDir& operator=(const StagedDir&) = delete;
  const std::string& path() const { return staging_; }
  /// Atomically replaces `final_path` (renameat2 RENAME_EXCHANGE when it exists).
  void commit();

 private:
  std::string final_;
  std::string staging_;
  bool committed_ = false;
};

}  // namespace lcr
