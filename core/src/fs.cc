#include "lcr/core/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lcr/core/error.h"

namespace fs = std::filesystem;

namespace lcr {

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error(path + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(path + ": cannot rename into place: " + ec.message());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path + ": read error");
  return ss.str();
}

StagedDir::StagedDir(const std::string& final_path) : final_(final_path) {
  fs::path p = fs::absolute(final_path).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  final_ = p.string();
  if (!p.parent_path().empty()) fs::create_directories(p.parent_path());
  staging_ = final_ + ".building-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec) || ec)
    throw Error(staging_ + ": cannot create staging directory: " + ec.message());
}

StagedDir::~StagedDir() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

void swap_dir_into_place(const std::string& staging, const std::string& final_path) {
  std::error_code ec;
  if (fs::exists(final_path)) {
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, final_path.c_str(), RENAME_EXCHANGE) != 0)
      throw Error(final_path + ": cannot swap the new index into place: " + std::strerror(errno));
    fs::remove_all(staging, ec);  // now holds the old contents
    return;
  }
  fs::rename(staging, final_path, ec);
  if (ec) throw Error(final_path + ": cannot move the new index into place: " + ec.message());
}

void StagedDir::commit() {
  swap_dir_into_place(staging_, final_);
  committed_ = true;
}

}  // namespace lcr
