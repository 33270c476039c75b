#include "lcr/core/corpus.h"

#include <zstd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_set>

#include "lcr/core/error.h"
#include "lcr/core/hash.h"

namespace lcr {

size_t first_invalid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return i;
    i += len;
  }
  return std::string::npos;
}

namespace {

// Reads a file line by line, decompressing zstd on the fly when the file starts with the
// zstd magic number. Windows up to 2^31 are accepted (corpora compressed with --long=31).
class LineSource {
 public:
  explicit LineSource(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw Error(path + ": cannot open corpus file");
    in_.seekg(0, std::ios::end);
    file_bytes_ = static_cast<uint64_t>(in_.tellg());
    in_.seekg(0);
    unsigned char magic[4] = {0, 0, 0, 0};
    in_.read(reinterpret_cast<char*>(magic), 4);
    const auto got = in_.gcount();
    in_.clear();
    in_.seekg(0);
    if (got == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD) {
      dctx_ = ZSTD_createDCtx();
      ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 31);
      zin_.resize(ZSTD_DStreamInSize());
    }
    raw_.resize(1 << 20);
  }
  ~LineSource() {
    if (dctx_) ZSTD_freeDCtx(dctx_);
  }

  bool getline(std::string& line) {
    line.clear();
    for (;;) {
      if (pos_ < len_) {
        const char* start = raw_.data() + pos_;
        const void* nl = std::memchr(start, '\n', len_ - pos_);
        if (nl) {
          size_t k = static_cast<const char*>(nl) - start;
          line.append(start, k);
          pos_ += k + 1;
          if (!line.empty() && line.back() == '\r') line.pop_back();
          return true;
        }
        line.append(start, len_ - pos_);
        pos_ = len_;
      }
      if (!fill()) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return !line.empty();
      }
    }
  }

  uint64_t consumed() const { return consumed_; }
  uint64_t file_bytes() const { return file_bytes_; }

 private:
  bool fill() {
    pos_ = len_ = 0;
    if (!dctx_) {
      in_.read(raw_.data(), static_cast<std::streamsize>(raw_.size()));
      len_ = static_cast<size_t>(in_.gcount());
      consumed_ += len_;
      if (in_.bad()) throw Error(path_ + ": read error");
      return len_ > 0;
    }
    for (;;) {
      if (zpos_ < zlen_ || !zeof_) {
        if (zpos_ == zlen_) {
          in_.read(zin_.data(), static_cast<std::streamsize>(zin_.size()));
          zlen_ = static_cast<size_t>(in_.gcount());
          zpos_ = 0;
          consumed_ += zlen_;
          if (zlen_ == 0) {
            zeof_ = true;
            if (frame_open_)
              throw Error(path_ + ": truncated zstd stream (the file ends inside a frame)");
            return false;
          }
        }
        ZSTD_inBuffer ib{zin_.data(), zlen_, zpos_};
        ZSTD_outBuffer ob{raw_.data(), raw_.size(), 0};
        size_t ret = ZSTD_decompressStream(dctx_, &ob, &ib);
        if (ZSTD_isError(ret))
          throw Error(path_ + ": zstd decompression failed: " + ZSTD_getErrorName(ret));
        frame_open_ = ret != 0;
        zpos_ = ib.pos;
        if (ob.pos > 0) {
          len_ = ob.pos;
          return true;
        }
      } else {
        return false;
      }
    }
  }

  std::string path_;
  std::ifstream in_;
  uint64_t file_bytes_ = 0;
  uint64_t consumed_ = 0;
  ZSTD_DCtx* dctx_ = nullptr;
  std::vector<char> zin_;
  size_t zpos_ = 0, zlen_ = 0;
  bool zeof_ = false;
  bool frame_open_ = false;
  std::vector<char> raw_;
  size_t pos_ = 0, len_ = 0;
};

// A bad line: the reason is the counting key, the detail is for the message.
struct BadLine {
  std::string reason;
  std::string detail;
};

}  // namespace

struct CorpusReader::Impl {
  Impl(const std::string& p, CorpusReadOptions o) : path(p), options(o), src(p) {}
  std::string path;
  CorpusReadOptions options;
  LineSource src;
  uint64_t line_no = 0;
  uint64_t cases = 0;
  uint64_t skipped = 0;
  std::map<std::string, uint64_t> reasons;
  std::unordered_set<std::string> ids;
  std::string line;

  // Parses one line into `out`; returns a BadLine description on failure.
  bool parse(const std::string& text, Case& out, BadLine& bad) {
    size_t badpos = first_invalid_utf8(text);
    if (badpos != std::string::npos) {
      bad = {"invalid UTF-8", "invalid UTF-8 at byte " + std::to_string(badpos + 1)};
      return false;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      bad = {"malformed JSON", std::string("malformed JSON (") + e.what() + ")"};
      return false;
    }
    if (!j.is_object()) {
      bad = {"not an object", "the line is not a JSON object"};
      return false;
    }
    out = Case{};
    out.line = line_no;
    auto id = j.find("id");
    if (id == j.end()) {
      bad = {"missing id", "field 'id' is missing"};
      return false;
    }
    if (id->is_string()) {
      out.id = id->get<std::string>();
    } else if (id->is_number_integer()) {
      out.id = std::to_string(id->get<long long>());
    } else {
      bad = {"bad id", "field 'id' must be a string or an integer"};
      return false;
    }
    if (out.id.empty()) {
      bad = {"bad id", "field 'id' is empty"};
      return false;
    }
    auto tx = j.find("text");
    if (tx == j.end()) {
      bad = {"missing text", "field 'text' is missing (case '" + out.id + "')"};
      return false;
    }
    if (!tx->is_string()) {
      bad = {"bad text", "field 'text' must be a string (case '" + out.id + "')"};
      return false;
    }
    out.text = tx->get<std::string>();
    auto str_field = [&](const char* name, std::string& dst) {
      auto it = j.find(name);
      if (it == j.end() || it->is_null()) return true;
      if (!it->is_string()) {
        bad = {std::string("bad ") + name,
               std::string("field '") + name + "' must be a string (case '" + out.id + "')"};
        return false;
      }
      dst = it->get<std::string>();
      return true;
    };
    if (!str_field("title", out.title) || !str_field("facts", out.facts)) return false;
    auto ch = j.find("charges");
    if (ch != j.end() && !ch->is_null()) {
      bool ok = ch->is_array();
      if (ok)
        for (const auto& c : *ch) ok = ok && c.is_string();
      if (!ok) {
        bad = {"bad charges",
               "field 'charges' must be an array of strings (case '" + out.id + "')"};
        return false;
      }
      for (const auto& c : *ch) out.charges.push_back(c.get<std::string>());
    }
    if (!ids.insert(out.id).second) {
      bad = {"duplicate id", "duplicate id '" + out.id + "'"};
      return false;
    }
    for (const char* k : {"id", "text", "title", "facts", "charges"}) j.erase(k);
    out.metadata_json = j.dump();
    return true;
  }
};

CorpusReader::CorpusReader(const std::string& path, CorpusReadOptions options)
    : impl_(std::make_unique<Impl>(path, options)) {}
CorpusReader::~CorpusReader() = default;

bool CorpusReader::next(Case& out) {
  auto& m = *impl_;
  while (m.src.getline(m.line)) {
    ++m.line_no;
    if (m.line.find_first_not_of(" \t") == std::string::npos) continue;
    BadLine bad;
    if (m.parse(m.line, out, bad)) {
      ++m.cases;
      return true;
    }
    if (!m.options.skip_bad)
      throw Error(m.path + ":" + std::to_string(m.line_no) + ": " + bad.detail +
                  " (use --skip-bad to skip bad lines)");
    ++m.skipped;
    ++m.reasons[bad.reason];
  }
  return false;
}

const std::string& CorpusReader::path() const { return impl_->path; }
uint64_t CorpusReader::bytes_consumed() const { return impl_->src.consumed(); }
uint64_t CorpusReader::file_bytes() const { return impl_->src.file_bytes(); }
uint64_t CorpusReader::cases_read() const { return impl_->cases; }
uint64_t CorpusReader::lines_skipped() const { return impl_->skipped; }
const std::map<std::string, uint64_t>& CorpusReader::skip_reasons() const {
  return impl_->reasons;
}

std::string CorpusReader::skip_summary() const {
  std::ostringstream os;
  os << "skipped " << impl_->skipped << " bad line" << (impl_->skipped == 1 ? "" : "s");
  const char* sep = ": ";
  for (const auto& [reason, n] : impl_->reasons) {
    os << sep << n << " " << reason;
    sep = ", ";
  }
  return os.str();
}

std::vector<Case> read_corpus(const std::string& path, CorpusReadOptions options) {
  CorpusReader reader(path, options);
  std::vector<Case> cases;
  Case c;
  while (reader.next(c)) cases.push_back(std::move(c));
  return cases;
}

FileManifest manifest_of(const std::string& path) {
  FileManifest m;
  m.path = path;
  m.xxh64 = xxh64_file(path, &m.bytes);
  return m;
}

}  // namespace lcr
