#include "lcr/fmindex/index.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <istream>

#include "container.h"
#include "index_files.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"

namespace lcr::fm {

struct Index::Impl {
  std::string dir, manifest_text;
  uint64_t build_id = 0;
  uint64_t tokenizer_hash = 0;
  std::unique_ptr<Tokenizer> tokenizer;
  ShardedFm fm;
  std::vector<DocStore> docs;  // one per shard
};

Index::Index() : impl_(std::make_unique<Impl>()) {}
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::~Index() = default;

namespace {
uint64_t parse_hex(const nlohmann::json& j, const std::string& where) {
  try {
    return std::stoull(j.get<std::string>(), nullptr, 16);
  } catch (const std::exception&) {
    throw Error(where + " is not a 16-digit hex string");
  }
}
}  // namespace

Index Index::open(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir))
    throw Error(dir + ": no index directory here (build one with `lcr index build`)");
  Index idx;
  auto& m = *idx.impl_;
  m.dir = dir;
  const std::string mpath = dir + "/" + kManifestFile;
  m.manifest_text = read_file(mpath);
  nlohmann::json man;
  try {
    man = nlohmann::json::parse(m.manifest_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(mpath + ": not valid JSON (" + e.what() + "); rebuild the index");
  }
  try {
    if (man.value("magic", "") != kManifestMagic)
      throw Error(mpath + ": not an lcr index manifest (magic is not \"lcr-index\")");
    const auto version = man.at("format_version").get<uint32_t>();
    if (version != kIndexFormatVersion)
      throw Error(mpath + ": index format version " + std::to_string(version) +
                  ", but this lcr reads version " + std::to_string(kIndexFormatVersion) +
                  "; rebuild the index with this lcr");
    m.build_id = parse_hex(man.at("build_id"), mpath + ": build_id");
    m.tokenizer_hash = parse_hex(man.at("tokenizer").at("hash"), mpath + ": tokenizer.hash");
  } catch (const nlohmann::json::exception& e) {
    throw Error(mpath + ": missing or mistyped field (" + e.what() + "); rebuild the index");
  }
  const std::string tpath = dir + "/" + kTokenizerFile;
  m.tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(tpath));
  if (m.tokenizer->hash() != m.tokenizer_hash)
    throw Error(tpath + ": tokenizer hash " + hex64(m.tokenizer->hash()) +
                " differs from the manifest's " + hex64(m.tokenizer_hash) +
                ": the index was built with another tokenizer; rebuild the index");
  // Shards: the manifest's list, or the flat layout (one shard in DIR itself).
  struct ShardRef {
    std::string dir;
    uint64_t build_id, cases;
  };
  std::vector<ShardRef> refs;
  try {
    if (man.contains("shards")) {
      uint64_t first = 0;
      for (const auto& s : man.at("shards")) {
        ShardRef r{dir + "/" + s.at("dir").get<std::string>(),
                   parse_hex(s.at("build_id"), mpath + ": shards.build_id"),
                   s.at("cases").get<uint64_t>()};
        if (s.at("first_case").get<uint64_t>() != first)
          throw Error(mpath + ": shard " + r.dir + " does not start where the one before ends");
        first += r.cases;
        refs.push_back(std::move(r));
      }
      if (refs.empty()) throw Error(mpath + ": an empty shard list; rebuild the index");
    } else {
      refs.push_back({dir, m.build_id, man.at("corpus").at("cases").get<uint64_t>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(mpath + ": missing or mistyped shard field (" + e.what() + "); rebuild the index");
  }
  for (const auto& r : refs) {
    FmIndex fm;
    {
      // Parsed in place from the mapped file, its pages dropped behind the parser: the load
      // holds sdsl's structures and one window, not a copy of the file as well.
      const auto file = MappedContainer::open(r.dir + "/" + kFmFile, kFmSpec, r.build_id);
      ViewStreambuf buf(file.payload(), /*drop_behind=*/true);
      std::istream in(&buf);
      fm.load(in, r.dir + "/" + kFmFile);
    }
    DocStore docs = DocStore::open(r.dir + "/" + kDocsFile, r.build_id);
    if (docs.size() != fm.num_cases())
      throw Error(r.dir + ": the document store holds " + std::to_string(docs.size()) +
                  " cases but the FM-index " + std::to_string(fm.num_cases()) + "; rebuild it");
    if (fm.num_cases() != r.cases)
      throw Error(r.dir + ": holds " + std::to_string(fm.num_cases()) +
                  " cases, the manifest says " + std::to_string(r.cases) + "; rebuild the index");
    m.fm.add_shard(std::move(fm));
    m.docs.push_back(std::move(docs));
  }
  return idx;
}

const ShardedFm& Index::fm() const { return impl_->fm; }
const Tokenizer& Index::tokenizer() const { return *impl_->tokenizer; }
size_t Index::num_shards() const { return impl_->fm.num_shards(); }
uint32_t Index::num_cases() const { return impl_->fm.num_cases(); }

StoredCase Index::get_case(uint32_t d) const {
  uint32_t local = 0;
  size_t s = impl_->fm.shard_of(d, &local);
  return impl_->docs[s].get(local);
}

const std::string& Index::case_id(uint32_t d) const {
  uint32_t local = 0;
  size_t s = impl_->fm.shard_of(d, &local);
  return impl_->docs[s].id(local);
}

uint64_t Index::docs_bytes() const {
  uint64_t b = 0;
  for (const auto& d : impl_->docs) b += d.compressed_bytes();
  return b;
}

int64_t Index::find_case(const std::string& id) const {
  for (size_t s = 0; s < impl_->docs.size(); ++s) {
    int64_t local = impl_->docs[s].find(id);
    if (local >= 0) return impl_->fm.first_case(s) + local;
  }
  return -1;
}
const std::string& Index::dir() const { return impl_->dir; }
const std::string& Index::manifest_json() const { return impl_->manifest_text; }
uint64_t Index::build_id() const { return impl_->build_id; }

void Index::require_tokenizer(uint64_t hash, const std::string& what) const {
  if (hash != impl_->tokenizer_hash)
    throw Error(what + " was made with tokenizer " + hex64(hash) + ", but the index at " +
                impl_->dir + " uses tokenizer " + hex64(impl_->tokenizer_hash) +
                "; use a model trained with the index's tokenizer.model, or rebuild the index "
                "with --tokenizer set to the model's tokenizer");
}

std::pair<size_t, size_t> Index::byte_span(const std::string& text, uint32_t offset,
                                           uint32_t length) const {
  // The tokenizer is lossless (identity normalization, byte fallback): summing the surface
  // lengths of the case's tokens maps token offsets to byte offsets.
  const auto ids = tokenizer().encode(text);
  size_t b = 0, begin = text.size(), end = text.size();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i == offset) begin = b;
    b += tokenizer().surface_bytes(ids[i]);
    if (i + 1 == static_cast<size_t>(offset) + length) {
      end = b;
      break;
    }
  }
  if (begin > end) begin = end;
  return {begin, end};
}

namespace {
// Moves a byte position back (or forward) to the start of a UTF-8 character.
size_t utf8_floor(const std::string& s, size_t p) {
  while (p > 0 && p < s.size() && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  return p;
}
size_t utf8_ceil(const std::string& s, size_t p) {
  while (p < s.size() && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) ++p;
  return p;
}
}  // namespace

std::string Index::snippet(const std::string& text, uint32_t offset, uint32_t length,
                           size_t context, const std::string& open,
                           const std::string& close) const {
  auto [b, e] = byte_span(text, offset, length);
  size_t from = utf8_floor(text, b > context ? b - context : 0);
  size_t to = utf8_ceil(text, std::min(text.size(), e + context));
  std::string out = from > 0 ? "…" : "";
  out +=
      text.substr(from, b - from) + open + text.substr(b, e - b) + close + text.substr(e, to - e);
  if (to < text.size()) out += "…";
  for (auto& ch : out)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  return out;
}

}  // namespace lcr::fm
