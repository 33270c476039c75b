#include "lcr/fmindex/doc_store.h"

#include <zdict.h>
#include <zstd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "container.h"
#include "lcr/core/error.h"

namespace lcr::fm {

namespace {
constexpr ContainerSpec kSpec{"LCRDOCS\x01", 1, "document store"};

std::string record_of(const Case& c) {
  nlohmann::json j;
  j["id"] = c.id;
  j["title"] = c.title;
  j["charges"] = c.charges;
  j["meta"] = nlohmann::json::parse(c.metadata_json.empty() ? "{}" : c.metadata_json);
  j["text"] = c.text;
  return j.dump();
}

template <typename T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
}  // namespace

struct DocStoreWriter::Impl {
  int level;
  size_t dict_sample;
  std::vector<std::string> pending;  // records waiting for the dictionary
  std::vector<std::string> ids;
  std::string dict;
  ZSTD_CDict* cdict = nullptr;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string blob;
  std::vector<uint64_t> offsets{0};
  uint64_t raw = 0;

  ~Impl() {
    if (cdict) ZSTD_freeCDict(cdict);
    ZSTD_freeCCtx(cctx);
  }

  void train_dict() {
    std::string samples;
    std::vector<size_t> sizes;
    for (const auto& r : pending) {
      samples += r;
      sizes.push_back(r.size());
    }
    dict.assign(std::min<size_t>(112640, samples.size() / 10 + 1024), '\0');
    size_t got = pending.size() >= 8
                     ? ZDICT_trainFromBuffer(dict.data(), dict.size(), samples.data(),
                                             sizes.data(), static_cast<unsigned>(sizes.size()))
                     : 0;
    if (pending.size() < 8 || ZDICT_isError(got)) got = 0;  // too few samples: no dictionary
    dict.resize(got);
    if (!dict.empty()) cdict = ZSTD_createCDict(dict.data(), dict.size(), level);
    for (auto& r : pending) compress(r);
    pending.clear();
    pending.shrink_to_fit();
  }

  void compress(const std::string& r) {
    const size_t bound = ZSTD_compressBound(r.size());
    const size_t at = blob.size();
    blob.resize(at + bound);
    size_t n = cdict ? ZSTD_compress_usingCDict(cctx, blob.data() + at, bound, r.data(), r.size(),
                                                cdict)
                     : ZSTD_compressCCtx(cctx, blob.data() + at, bound, r.data(), r.size(), level);
    if (ZSTD_isError(n)) throw Error(std::string("document store: ") + ZSTD_getErrorName(n));
    blob.resize(at + n);
    offsets.push_back(blob.size());
  }
};

DocStoreWriter::DocStoreWriter(int level, size_t dict_sample) : impl_(std::make_unique<Impl>()) {
  impl_->level = level;
  impl_->dict_sample = dict_sample;
}
DocStoreWriter::~DocStoreWriter() = default;

void DocStoreWriter::add(const Case& c) {
  auto& m = *impl_;
  std::string r = record_of(c);
  m.raw += r.size();
  m.ids.push_back(c.id);
  if (m.cdict || m.offsets.size() > 1) {
    m.compress(r);
    return;
  }
  m.pending.push_back(std::move(r));
  if (m.pending.size() >= m.dict_sample) m.train_dict();
}

uint64_t DocStoreWriter::raw_bytes() const { return impl_->raw; }

void DocStoreWriter::finish(const std::string& path, uint64_t build_id) {
  auto& m = *impl_;
  if (!m.pending.empty() || m.offsets.size() == 1) m.train_dict();
  std::string payload;
  put<uint64_t>(payload, m.ids.size());
  put<uint64_t>(payload, m.dict.size());
  payload += m.dict;
  for (uint64_t o : m.offsets) put<uint64_t>(payload, o);
  std::string ids;
  for (const auto& id : m.ids) (ids += id) += '\n';
  put<uint64_t>(payload, ids.size());
  payload += ids;
  payload += m.blob;
  write_container(path, kSpec, build_id, payload);
}

struct DocStore::Impl {
  MappedContainer file;  // the records stay in the mapped file, read on demand
  uint64_t n = 0;
  const char* dict = nullptr;
  size_t dict_size = 0;
  const char* offsets = nullptr;  // n + 1 u64 (unaligned), into blob
  uint64_t offset(uint64_t i) const {
    uint64_t v;
    std::memcpy(&v, offsets + 8 * i, 8);
    return v;
  }
  const char* blob = nullptr;
  std::vector<std::string> ids;
  std::unordered_map<std::string, uint32_t> by_id;
  ZSTD_DDict* ddict = nullptr;
  ~Impl() {
    if (ddict) ZSTD_freeDDict(ddict);
  }
};

DocStore::DocStore() : impl_(std::make_unique<Impl>()) {}
DocStore::DocStore(DocStore&&) noexcept = default;
DocStore& DocStore::operator=(DocStore&&) noexcept = default;
DocStore::~DocStore() = default;

DocStore DocStore::open(const std::string& path, uint64_t build_id) {
  DocStore ds;
  auto& m = *ds.impl_;
  m.file = MappedContainer::open(path, kSpec, build_id);
  const std::string_view p = m.file.payload();
  size_t at = 0;
  auto need = [&](size_t k) {
    if (at + k > p.size()) throw Error(path + ": document store layout is inconsistent");
  };
  auto u64 = [&] {
    need(8);
    uint64_t v;
    std::memcpy(&v, p.data() + at, 8);
    at += 8;
    return v;
  };
  m.n = u64();
  m.dict_size = u64();
  need(m.dict_size);
  m.dict = p.data() + at;
  at += m.dict_size;
  need((m.n + 1) * 8);
  m.offsets = p.data() + at;
  at += (m.n + 1) * 8;
  const uint64_t ids_size = u64();
  need(ids_size);
  std::string_view ids(p.data() + at, ids_size);
  at += ids_size;
  m.blob = p.data() + at;
  need(m.offset(m.n));
  m.ids.reserve(m.n);
  for (size_t s = 0; s < ids.size();) {
    size_t e = ids.find('\n', s);
    if (e == std::string_view::npos) break;
    m.ids.emplace_back(ids.substr(s, e - s));
    s = e + 1;
  }
  if (m.ids.size() != m.n) throw Error(path + ": document store id list is inconsistent");
  for (uint32_t i = 0; i < m.n; ++i) m.by_id.emplace(m.ids[i], i);
  if (m.dict_size) m.ddict = ZSTD_createDDict(m.dict, m.dict_size);
  m.file.release_pages();  // checksummed and parsed: records fault back in when a case is read
  return ds;
}

uint32_t DocStore::size() const { return static_cast<uint32_t>(impl_->n); }
uint64_t DocStore::compressed_bytes() const { return impl_->file.payload().size(); }
const std::string& DocStore::id(uint32_t i) const { return impl_->ids.at(i); }

int64_t DocStore::find(const std::string& id) const {
  auto it = impl_->by_id.find(id);
  return it == impl_->by_id.end() ? int64_t{-1} : static_cast<int64_t>(it->second);
}

StoredCase DocStore::get(uint32_t i) const {
  const auto& m = *impl_;
  if (i >= m.n)
    throw Error("case " + std::to_string(i) + " is out of range (the index has " +
                std::to_string(m.n) + " cases)");
  const char* src = m.blob + m.offset(i);
  const size_t len = m.offset(i + 1) - m.offset(i);
  unsigned long long raw = ZSTD_getFrameContentSize(src, len);
  if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN)
    throw Error("document store: record " + std::to_string(i) + " is damaged");
  std::string out(raw, '\0');
  thread_local ZSTD_DCtx* dctx = ZSTD_createDCtx();
  size_t n = m.ddict ? ZSTD_decompress_usingDDict(dctx, out.data(), out.size(), src, len, m.ddict)
                     : ZSTD_decompressDCtx(dctx, out.data(), out.size(), src, len);
  if (ZSTD_isError(n)) throw Error("document store: record " + std::to_string(i) + ": " +
                                   ZSTD_getErrorName(n));
  auto j = nlohmann::json::parse(out);
  StoredCase c;
  c.id = j.at("id").get<std::string>();
  c.title = j.value("title", "");
  c.charges = j.value("charges", std::vector<std::string>{});
  c.metadata_json = j.value("meta", nlohmann::json::object()).dump();
  c.text = j.at("text").get<std::string>();
  return c;
}

}  // namespace lcr::fm
