// lcr index build: corpus -> (tokenizer) -> token text -> FM-index + document store.
#include <chrono>
#include <cmath>
#include <filesystem>
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
double entropy_h0(const FmIndex& fm, const std::vector<uint64_t>& freq) {
  double n = static_cast<double>(fm.num_tokens()), h = 0;
  for (uint64_t f : freq)
    if (f) h -= static_cast<double>(f) / n * std::log2(static_cast<double>(f) / n);
  return h;
}

}  // namespace

IndexBuildReport build_index(const IndexBuildOptions& o) {
  o.validate();
  IndexBuildReport rep;
  const auto t_all = Clock::now();
  StagedDir stage(o.out);
  const std::string dir = stage.path();

  // 1. Tokenizer: copy the given one, or train on the corpus.
  auto t0 = Clock::now();
  const std::string tok_path = dir + "/" + kTokenizerFile;
  if (o.tokenizer.empty()) {
    Tokenizer::train_on_corpus(o.corpus, tok_path, o.tokenizer_options,
                               CorpusReadOptions{o.skip_bad});
  } else {
    write_file_atomic(tok_path, read_file(o.tokenizer));
  }
  Tokenizer tok = Tokenizer::load(tok_path);
  if (tok.vocab_size() > 65534)
    throw Error(tok_path + ": vocabulary of " + std::to_string(tok.vocab_size()) +
                " pieces; the index holds at most 65534");
  rep.tokenizer_train_seconds = seconds_since(t0);

  // 2. Read and tokenize the corpus; lay out the reversed token text; fill the doc store.
  t0 = Clock::now();
  const FileManifest corpus_manifest = manifest_of(o.corpus);
  CorpusReader reader(o.corpus, CorpusReadOptions{o.skip_bad});
  DocStoreWriter docs(o.doc_level);
  std::vector<uint16_t> text;
  std::vector<uint64_t> starts;
  std::vector<uint64_t> freq(static_cast<size_t>(tok.vocab_size()), 0);
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
        ++freq[static_cast<size_t>(*it)];
      }
      text.push_back(1);
      rep.tokens += ids.size();
      rep.text_bytes += texts[i]->size();
      docs.add(batch[i]);
    }
    rep.cases += batch.size();
    batch.clear();
    progress.update(reader.bytes_consumed() >> 20);
  };
  Case c;
  while (reader.next(c)) {
    batch.push_back(std::move(c));
    if (batch.size() == 512) flush();
  }
  flush();
  rep.skipped = reader.lines_skipped();
  if (rep.skipped) rep.skip_summary = o.corpus + ": " + reader.skip_summary();
  progress.finish(std::to_string(rep.cases) + " cases, " + std::to_string(rep.tokens) +
                  " tokens");
  if (rep.cases == 0) throw Error(o.corpus + ": the corpus holds no cases");
  if (rep.cases > 0xFFFFFFFFull) throw Error(o.corpus + ": more than 2^32 cases; shard it");
  rep.tokenize_seconds = seconds_since(t0);

  // 3. The FM-index.
  t0 = Clock::now();
  nlohmann::json opts = {{"field", o.field},         {"sample_rate", o.sample_rate},
                         {"doc_level", o.doc_level}, {"skip_bad", o.skip_bad},
                         {"tokenizer_given", !o.tokenizer.empty()}};
  if (o.tokenizer.empty())
    opts["tokenizer_training"] = {{"vocab_size", o.tokenizer_options.vocab_size},
                                  {"max_piece_length", o.tokenizer_options.max_piece_length},
                                  {"model_type", o.tokenizer_options.model_type},
                                  {"seed", o.tokenizer_options.seed}};
  const uint64_t build_id =
      xxh64(hex64(tok.hash()) + hex64(corpus_manifest.xxh64) + opts.dump(), rep.cases);
  FmIndex fm = FmIndex::build_from_text(std::move(text), std::move(starts), o.sample_rate);
  {
    std::ostringstream ss;
    fm.serialize(ss);
    write_container(dir + "/" + kFmFile, kFmSpec, build_id, ss.str());
  }
  docs.finish(dir + "/" + kDocsFile, build_id);
  rep.index_seconds = seconds_since(t0);
  rep.space = fm.space();

  // 4. The manifest, last: its presence marks a complete directory.
  nlohmann::json files;
  for (const char* f : {kTokenizerFile, kFmFile, kDocsFile}) {
    uint64_t bytes = 0;
    uint64_t h = xxh64_file(dir + "/" + f, &bytes);
    files[f] = {{"bytes", bytes}, {"xxh64", hex64(h)}};
    if (std::string(f) == kFmFile) rep.fm_bytes = bytes;
    if (std::string(f) == kDocsFile) rep.docs_bytes = bytes;
  }
  nlohmann::json man = {
      {"magic", kManifestMagic},
      {"format_version", kIndexFormatVersion},
      {"build_id", hex64(build_id)},
      {"lcr_version", "0.1.0"},
      {"tokenizer", {{"file", kTokenizerFile}, {"hash", hex64(tok.hash())},
                     {"vocab_size", tok.vocab_size()}}},
      {"corpus",
       {{"path", std::filesystem::absolute(o.corpus).string()},
        {"bytes", corpus_manifest.bytes},
        {"xxh64", hex64(corpus_manifest.xxh64)},
        {"cases", rep.cases},
        {"skipped_lines", rep.skipped}}},
      {"options", opts},
      {"stats",
       {{"tokens", rep.tokens},
        {"text_bytes", rep.text_bytes},
        {"h0_bits_per_token", entropy_h0(fm, freq)},
        {"fm_bytes", rep.fm_bytes},
        {"docs_bytes", rep.docs_bytes},
        {"wavelet_tree_bytes", rep.space.wavelet_tree},
        {"sample_bytes", rep.space.samples + rep.space.sample_marks},
        {"case_map_bytes", rep.space.case_starts},
        {"tokenize_seconds", rep.tokenize_seconds},
        {"tokenizer_train_seconds", rep.tokenizer_train_seconds},
        {"index_seconds", rep.index_seconds},
        {"total_seconds", seconds_since(t_all)}}},
      {"files", files}};
  write_file_atomic(dir + "/" + kManifestFile, man.dump(2) + "\n");
  stage.commit();
  return rep;
}

}  // namespace lcr::fm
