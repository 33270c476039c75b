// lcr index build: corpus -> (tokenizer) -> token text -> FM-index + document store.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "container.h"
#include "index_files.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/core/progress.h"
#include "lcr/fmindex/index.h"

namespace lcr::fm {

void IndexBuildOptions::validate() const {
  if (corpus.empty()) throw Error("--corpus is required");
  if (out.empty()) throw Error("--out is required");
  if (field != "text" && field != "facts")
    throw Error("--field must be text or facts (got '" + field + "')");
  if (sample_rate < 1 || sample_rate > 4096) throw Error("--sample-rate must be in [1, 4096]");
  if (threads < 1 || threads > 256) throw Error("--threads must be in [1, 256]");
  if (doc_level < 1 || doc_level > 22) throw Error("--doc-level must be in [1, 22]");
  if (shard_tokens < 1 || shard_tokens > (3ull << 30))
    throw Error("--shard-tokens must be in [1, 3221225472] (a shard holds under 2^32 symbols)");
  if (tokenizer.empty()) tokenizer_options.validate();
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Encodes a batch of texts on `threads` threads.
void encode_batch(const Tokenizer& tok, const std::vector<const std::string*>& texts,
                  std::vector<std::vector<int32_t>>* out, int threads) {
  out->assign(texts.size(), {});
  auto work = [&](size_t first) {
    for (size_t i = first; i < texts.size(); i += static_cast<size_t>(threads))
      (*out)[i] = tok.encode(*texts[i]);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, static_cast<size_t>(t));
  work(0);
  for (auto& th : pool) th.join();
}

// Zeroth-order entropy of the token stream, bits per token.
double entropy_h0(const std::vector<uint64_t>& freq) {
  double n = 0, h = 0;
  for (uint64_t f : freq) n += static_cast<double>(f);
  for (uint64_t f : freq)
    if (f) h -= static_cast<double>(f) / n * std::log2(static_cast<double>(f) / n);
  return h;
}

std::string shard_name(uint32_t k) {
  char b[32];
  std::snprintf(b, sizeof b, "shard-%04u", k);
  return b;
}

constexpr const char* kShardMagic = "lcr-index-shard";
constexpr const char* kPlanFile = "plan.json";

// What one finished shard recorded about itself (DIR/shard-NNNN/shard.json).
struct ShardRecord {
  uint32_t number = 0;
  uint64_t build_id = 0, cases = 0, tokens = 0, text_bytes = 0;
  double seconds = 0;
  std::vector<uint64_t> freq;
  SpaceBreakdown space;
  nlohmann::json files;
};

nlohmann::json to_json(const ShardRecord& r, uint64_t index_build_id) {
  return {{"magic", kShardMagic},
          {"format_version", kIndexFormatVersion},
          {"index_build_id", hex64(index_build_id)},
          {"shard", r.number},
          {"build_id", hex64(r.build_id)},
          {"cases", r.cases},
          {"tokens", r.tokens},
          {"text_bytes", r.text_bytes},
          {"seconds", r.seconds},
          {"freq", r.freq},
          {"space",
           {{"wavelet_tree", r.space.wavelet_tree},
            {"c_array", r.space.c_array},
            {"sample_marks", r.space.sample_marks},
            {"samples", r.space.samples},
            {"case_starts", r.space.case_starts}}},
          {"files", r.files}};
}

// A finished shard of this build in `dir`, or false (absent, unfinished, or of another build).
bool read_shard(const std::string& dir, uint32_t k, uint64_t index_build_id, ShardRecord* r) {
  namespace fs = std::filesystem;
  const std::string path = dir + "/shard.json";
  if (!fs::exists(path)) return false;
  try {
    auto j = nlohmann::json::parse(read_file(path));
    if (j.at("magic") != kShardMagic || j.at("index_build_id") != hex64(index_build_id) ||
        j.at("shard").get<uint32_t>() != k)
      return false;
    r->number = k;
    r->build_id = std::stoull(j.at("build_id").get<std::string>(), nullptr, 16);
    r->cases = j.at("cases");
    r->tokens = j.at("tokens");
    r->text_bytes = j.at("text_bytes");
    r->seconds = j.at("seconds");
    r->freq = j.at("freq").get<std::vector<uint64_t>>();
    const auto& sp = j.at("space");
    r->space = {sp.at("wavelet_tree"), sp.at("c_array"), sp.at("sample_marks"), sp.at("samples"),
                sp.at("case_starts")};
    r->files = j.at("files");
    for (auto& [name, f] : r->files.items()) {  // cheap check; containers carry checksums
      std::error_code ec;
      if (fs::file_size(dir + "/" + name, ec) != f.at("bytes").get<uint64_t>() || ec) return false;
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Builds one shard's FM-index and document store into `work`/shard-NNNN (through a .tmp
// directory renamed when complete).
ShardRecord write_shard(const std::string& work, uint32_t k, uint64_t index_build_id,
                        std::vector<uint16_t> text, std::vector<uint64_t> starts,
                        std::unique_ptr<DocStoreWriter> docs, ShardRecord r, uint32_t rate) {
  namespace fs = std::filesystem;
  const auto t0 = Clock::now();
  const std::string final_dir = work + "/" + shard_name(k), tmp = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  r.number = k;
  r.build_id = xxh64(hex64(index_build_id) + "/" + shard_name(k), k);
  {
    FmIndex fm = FmIndex::build_from_text(std::move(text), std::move(starts), rate);
    r.space = fm.space();
    std::ostringstream ss;
    fm.serialize(ss);
    write_container(tmp + "/" + kFmFile, kFmSpec, r.build_id, ss.str());
  }
  docs->finish(tmp + "/" + kDocsFile, r.build_id);
  docs.reset();
  for (const char* f : {kFmFile, kDocsFile}) {
    uint64_t bytes = 0;
    uint64_t h = xxh64_file(tmp + "/" + f, &bytes);
    r.files[f] = {{"bytes", bytes}, {"xxh64", hex64(h)}};
  }
  r.seconds = seconds_since(t0);
  write_file_atomic(tmp + "/shard.json", to_json(r, index_build_id).dump() + "\n");
  fs::rename(tmp, final_dir, ec);
  if (ec) throw Error(final_dir + ": cannot move the finished shard into place: " + ec.message());
  return r;
}

}  // namespace

namespace {
IndexBuildReport build_in(const IndexBuildOptions& o, const std::string& final_dir,
                          const std::string& work);
}  // namespace

IndexBuildReport build_index(const IndexBuildOptions& o) {
  namespace fs = std::filesystem;
  o.validate();
  fs::path out_path = fs::absolute(o.out).lexically_normal();
  if (out_path.filename().empty()) out_path = out_path.parent_path();
  const std::string final_dir = out_path.string(), work = final_dir + ".building";
  try {
    return build_in(o, final_dir, work);
  } catch (...) {
    // Keep a work directory with finished shards (the same build resumes from them); one
    // without is worth nothing and goes.
    std::error_code ec;
    if (!fs::exists(work + "/" + shard_name(0) + "/shard.json", ec)) fs::remove_all(work, ec);
    throw;
  }
}

namespace {

IndexBuildReport build_in(const IndexBuildOptions& o, const std::string& final_dir,
                          const std::string& work) {
  namespace fs = std::filesystem;
  IndexBuildReport rep;
  const auto t_all = Clock::now();

  // 0. The plan: what is being built. A work directory left by an interrupted build of the
  //    same plan is resumed; one of another plan is discarded.
  const FileManifest corpus_manifest = manifest_of(o.corpus);
  nlohmann::json opts = {{"field", o.field},
                         {"sample_rate", o.sample_rate},
                         {"doc_level", o.doc_level},
                         {"skip_bad", o.skip_bad},
                         {"shard_tokens", o.shard_tokens},
                         {"tokenizer_given", !o.tokenizer.empty()}};
  if (o.tokenizer.empty())
    opts["tokenizer_training"] = {{"vocab_size", o.tokenizer_options.vocab_size},
                                  {"max_piece_length", o.tokenizer_options.max_piece_length},
                                  {"model_type", o.tokenizer_options.model_type},
                                  {"seed", o.tokenizer_options.seed}};
  const nlohmann::json plan = {
      {"magic", "lcr-index-plan"},
      {"format_version", kIndexFormatVersion},
      {"corpus", {{"bytes", corpus_manifest.bytes}, {"xxh64", hex64(corpus_manifest.xxh64)}}},
      {"tokenizer_source",
       o.tokenizer.empty() ? std::string("trained") : hex64(manifest_of(o.tokenizer).xxh64)},
      {"options", opts}};
  const std::string plan_text = plan.dump() + "\n";
  bool resume = false;
  if (fs::exists(work + "/" + kPlanFile)) {
    resume = read_file(work + "/" + kPlanFile) == plan_text;
    if (!resume)
      std::fprintf(stderr, "index: discarding %s, an unfinished build of other input\n",
                   work.c_str());
  }
  if (!resume) {
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work);
    write_file_atomic(work + "/" + kPlanFile, plan_text);
  }

  // 1. Tokenizer: copy the given one, or train on the corpus (kept when resuming).
  auto t0 = Clock::now();
  const std::string tok_path = work + "/" + kTokenizerFile;
  if (!resume || !fs::exists(tok_path)) {
    if (o.tokenizer.empty())
      Tokenizer::train_on_corpus(o.corpus, tok_path, o.tokenizer_options,
                                 CorpusReadOptions{o.skip_bad});
    else
      write_file_atomic(tok_path, read_file(o.tokenizer));
  }
  Tokenizer tok = Tokenizer::load(tok_path);
  if (tok.vocab_size() > 65534)
    throw Error(tok_path + ": vocabulary of " + std::to_string(tok.vocab_size()) +
                " pieces; the index holds at most 65534");
  rep.tokenizer_train_seconds = seconds_since(t0);
  const uint64_t build_id = xxh64(hex64(tok.hash()) + plan_text, corpus_manifest.bytes);

  // 2. Shards finished by an earlier run: a prefix shard-0000.. of this build. Anything else
  //    in the work directory (a half-written shard, later shards) is removed.
  std::vector<ShardRecord> shards;
  for (uint32_t k = 0;; ++k) {
    ShardRecord r;
    if (!resume || !read_shard(work + "/" + shard_name(k), k, build_id, &r)) break;
    shards.push_back(std::move(r));
  }
  rep.resumed_shards = static_cast<uint32_t>(shards.size());
  for (const auto& e : fs::directory_iterator(work)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("shard-", 0) != 0) continue;
    bool keep = false;
    for (const auto& r : shards) keep = keep || name == shard_name(r.number);
    if (!keep) fs::remove_all(e.path());
  }
  uint64_t skip_cases = 0;
  for (const auto& r : shards) skip_cases += r.cases;
  if (!shards.empty())
    std::fprintf(stderr, "index: resuming %s: %zu shard(s), %llu cases already built\n",
                 work.c_str(), shards.size(), static_cast<unsigned long long>(skip_cases));

  // 3. Read and tokenize the corpus into shards. Each full shard is built (FM-index,
  //    document store) on a second thread while the next one is tokenized.
  t0 = Clock::now();
  CorpusReader reader(o.corpus, CorpusReadOptions{o.skip_bad});
  const size_t vocab = static_cast<size_t>(tok.vocab_size());
  std::vector<uint16_t> text;
  std::vector<uint64_t> starts;
  auto docs = std::make_unique<DocStoreWriter>(o.doc_level);
  ShardRecord cur;
  cur.freq.assign(vocab, 0);
  std::future<ShardRecord> building;
  uint32_t built_this_run = 0;
  auto wait_building = [&] {
    if (!building.valid()) return;
    shards.push_back(building.get());
    ++built_this_run;
    if (o.stop_after_shards && built_this_run >= o.stop_after_shards)
      throw Error("index: stopped after " + std::to_string(built_this_run) +
                  " shard(s) as asked; run the same build again to resume");
  };
  auto close_shard = [&] {
    if (starts.empty()) return;
    wait_building();
    const uint32_t k = static_cast<uint32_t>(shards.size());
    building = std::async(std::launch::async, write_shard, work, k, build_id, std::move(text),
                          std::move(starts), std::move(docs), std::move(cur), o.sample_rate);
    text = {};
    starts = {};
    docs = std::make_unique<DocStoreWriter>(o.doc_level);
    cur = ShardRecord{};
    cur.freq.assign(vocab, 0);
  };
  Progress progress("index: tokenizing", reader.file_bytes() >> 20, "MB");
  std::vector<Case> batch;
  std::vector<std::vector<int32_t>> encoded;
  auto flush = [&] {
    std::vector<const std::string*> texts;
    for (const auto& c : batch)
      texts.push_back(o.field == "facts" && !c.facts.empty() ? &c.facts : &c.text);
    encode_batch(tok, texts, &encoded, o.threads);
    for (size_t i = 0; i < batch.size(); ++i) {
      starts.push_back(text.size());
      const auto& ids = encoded[i];
      for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
        text.push_back(static_cast<uint16_t>(*it + 2));
        ++cur.freq[static_cast<size_t>(*it)];
      }
      text.push_back(1);
      cur.tokens += ids.size();
      cur.text_bytes += texts[i]->size();
      ++cur.cases;
      docs->add(batch[i]);
      if (cur.tokens >= o.shard_tokens) close_shard();
    }
    batch.clear();
    progress.update(reader.bytes_consumed() >> 20);
  };
  uint64_t seen = 0;
  Case c;
  while (reader.next(c)) {
    if (seen++ < skip_cases) {  // read (ids still checked for duplicates) but not indexed
      if ((seen & 4095) == 0) progress.update(reader.bytes_consumed() >> 20);
      continue;
    }
    batch.push_back(std::move(c));
    if (batch.size() == 512) flush();
  }
  flush();
  if (seen < skip_cases)
    throw Error(o.corpus + ": holds " + std::to_string(seen) + " cases, fewer than the " +
                std::to_string(skip_cases) + " of the finished shards in " + work +
                "; delete that directory");
  close_shard();
  wait_building();
  for (const auto& r : shards) {
    rep.cases += r.cases;
    rep.tokens += r.tokens;
    rep.text_bytes += r.text_bytes;
    rep.index_seconds += r.seconds;
    rep.space.wavelet_tree += r.space.wavelet_tree;
    rep.space.c_array += r.space.c_array;
    rep.space.sample_marks += r.space.sample_marks;
    rep.space.samples += r.space.samples;
    rep.space.case_starts += r.space.case_starts;
  }
  rep.skipped = reader.lines_skipped();
  if (rep.skipped) rep.skip_summary = o.corpus + ": " + reader.skip_summary();
  progress.finish(std::to_string(rep.cases) + " cases, " + std::to_string(rep.tokens) +
                  " tokens, " + std::to_string(shards.size()) + " shard(s)");
  if (rep.cases == 0) throw Error(o.corpus + ": the corpus holds no cases");
  if (rep.cases > 0xFFFFFFFFull) throw Error(o.corpus + ": more than 2^32 - 1 cases");
  if (shards.size() > kMaxShards)
    throw Error(o.corpus + ": " + std::to_string(shards.size()) + " shards, more than the " +
                std::to_string(kMaxShards) + " an index may have; raise --shard-tokens");
  rep.tokenize_seconds = seconds_since(t0);
  rep.shards = static_cast<uint32_t>(shards.size());

  // 4. Layout: one shard keeps the flat layout (DIR/fm.bin, DIR/docs.bin); several are
  //    listed in the manifest.
  std::vector<uint64_t> freq(vocab, 0);
  for (const auto& r : shards)
    for (size_t t = 0; t < vocab && t < r.freq.size(); ++t) freq[t] += r.freq[t];
  nlohmann::json files, shard_list = nlohmann::json::array();
  uint64_t manifest_build_id = build_id;
  if (shards.size() == 1) {
    const std::string sdir = work + "/" + shard_name(0);
    for (const char* f : {kFmFile, kDocsFile}) fs::rename(sdir + "/" + f, work + "/" + f);
    fs::remove_all(sdir);
    files = shards[0].files;
    manifest_build_id = shards[0].build_id;  // what the containers are stamped with
  } else {
    uint64_t first = 0;
    for (const auto& r : shards) {
      const std::string name = shard_name(r.number);
      shard_list.push_back({{"dir", name},
                            {"first_case", first},
                            {"cases", r.cases},
                            {"tokens", r.tokens},
                            {"build_id", hex64(r.build_id)}});
      first += r.cases;
      for (auto& [f, v] : r.files.items()) files[name + "/" + f] = v;
    }
  }
  for (const auto& r : shards) {
    rep.fm_bytes += r.files.at(kFmFile).at("bytes").get<uint64_t>();
    rep.docs_bytes += r.files.at(kDocsFile).at("bytes").get<uint64_t>();
  }
  {
    uint64_t bytes = 0;
    uint64_t h = xxh64_file(tok_path, &bytes);
    files[kTokenizerFile] = {{"bytes", bytes}, {"xxh64", hex64(h)}};
  }

  // 5. The manifest, last: its presence marks a complete directory; then the swap.
  nlohmann::json man = {
      {"magic", kManifestMagic},
      {"format_version", kIndexFormatVersion},
      {"build_id", hex64(manifest_build_id)},
      {"lcr_version", "0.1.0"},
      {"tokenizer",
       {{"file", kTokenizerFile}, {"hash", hex64(tok.hash())}, {"vocab_size", tok.vocab_size()}}},
      {"corpus",
       {{"path", fs::absolute(o.corpus).string()},
        {"bytes", corpus_manifest.bytes},
        {"xxh64", hex64(corpus_manifest.xxh64)},
        {"cases", rep.cases},
        {"skipped_lines", rep.skipped}}},
      {"options", opts},
      {"stats",
       {{"tokens", rep.tokens},
        {"text_bytes", rep.text_bytes},
        {"h0_bits_per_token", entropy_h0(freq)},
        {"fm_bytes", rep.fm_bytes},
        {"docs_bytes", rep.docs_bytes},
        {"wavelet_tree_bytes", rep.space.wavelet_tree},
        {"sample_bytes", rep.space.samples + rep.space.sample_marks},
        {"case_map_bytes", rep.space.case_starts},
        {"shards", rep.shards},
        {"resumed_shards", rep.resumed_shards},
        {"tokenize_seconds", rep.tokenize_seconds},
        {"tokenizer_train_seconds", rep.tokenizer_train_seconds},
        {"index_seconds", rep.index_seconds},
        {"total_seconds", seconds_since(t_all)}}},
      {"files", files}};
  if (shards.size() > 1) man["shards"] = shard_list;
  rep.total_seconds = seconds_since(t_all);
  man["stats"]["total_seconds"] = rep.total_seconds;
  fs::remove(work + "/" + kPlanFile);
  write_file_atomic(work + "/" + kManifestFile, man.dump(2) + "\n");
  swap_dir_into_place(work, final_dir);
  return rep;
}

}  // namespace

}  // namespace lcr::fm
