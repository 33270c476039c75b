// lcr index build | info | count | next | locate | show
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/fmindex/index.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

int run_build(const Args& args) {
  po::options_description desc("lcr index build");
  fm::IndexBuildOptions o;
  auto& t = o.tokenizer_options;
  desc.add_options()                                                                   //
      ("corpus", po::value(&o.corpus)->required(), "corpus JSONL, plain or .zst")      //
      ("out", po::value(&o.out)->required(), "index directory (replaced atomically)")  //
      ("tokenizer", po::value(&o.tokenizer), "existing sentencepiece .model (default: train one)")(
          "vocab-size", po::value(&t.vocab_size)->default_value(t.vocab_size),
          "tokenizer vocabulary (when training)")(
          "max-piece-length", po::value(&t.max_piece_length)->default_value(t.max_piece_length),
          "tokenizer: max characters per piece (1 = character-level Chinese)")(
          "tokenizer-seed", po::value(&t.seed)->default_value(t.seed), "tokenizer training seed")(
          "field", po::value(&o.field)->default_value(o.field), "what to index: text | facts")(
          "sample-rate", po::value(&o.sample_rate)->default_value(o.sample_rate),
          "suffix-array sample step (locate cost vs space)")(
          "threads", po::value(&o.threads)->default_value(o.threads), "tokenizing threads")(
          "shard-tokens", po::value(&o.shard_tokens)->default_value(o.shard_tokens),
          "cut the corpus into shards of about this many tokens (memory: ~14 bytes per token of "
          "one shard); shards are queried as one index, and an interrupted build resumes after "
          "the finished ones when run again")(
          "skip-bad", po::bool_switch(&o.skip_bad),
          "skip bad corpus lines (reported) instead of failing");
  po::variables_map vm;
  if (!parse_options("index build", args, desc, vm)) return 0;
  t.quiet = true;
  t.threads = o.threads;
  auto r = fm::build_index(o);
  if (!r.skip_summary.empty()) std::cerr << "warning: " << r.skip_summary << "\n";
  std::printf(
      "built %s: %llu cases, %llu tokens in %u shard(s)%s; FM-index %.3f bytes/token "
      "(%.2f bits), document store %.1f MB; %.1f s\n",
      o.out.c_str(), static_cast<unsigned long long>(r.cases),
      static_cast<unsigned long long>(r.tokens), r.shards,
      r.resumed_shards ? (" (" + std::to_string(r.resumed_shards) + " resumed)").c_str() : "",
      static_cast<double>(r.fm_bytes) / static_cast<double>(r.tokens),
      8.0 * static_cast<double>(r.fm_bytes) / static_cast<double>(r.tokens),
      static_cast<double>(r.docs_bytes) / 1e6,
      r.total_seconds);
  return 0;
}

// Common options for the query commands: --index DIR and a positional TEXT.
struct QueryArgs {
  std::string index, text;
  po::options_description desc;
  po::positional_options_description pos;
  explicit QueryArgs(const std::string& name) : desc("lcr " + name) {
    desc.add_options()                                               //
        ("index", po::value(&index)->required(), "index directory")  //
        ("text", po::value(&text)->required(), "the token sequence, as text");
    pos.add("text", 1);
  }
};

int run_info(const Args& args) {
  po::options_description desc("lcr index info");
  std::string dir;
  desc.add_options()("index", po::value(&dir)->required(), "index directory");
  po::positional_options_description pos;
  pos.add("index", 1);
  po::variables_map vm;
  if (!parse_options("index info", args, desc, vm, &pos)) return 0;
  auto idx = fm::Index::open(dir);  // verifies every file's checksum
  auto man = nlohmann::json::parse(idx.manifest_json());
  const auto& st = man["stats"];
  const double tokens = st["tokens"].get<double>();
  const auto sp = idx.fm().space();
  std::printf("index      %s (format %d, build %s) — verified\n", dir.c_str(),
              man["format_version"].get<int>(), man["build_id"].get<std::string>().c_str());
  std::printf("corpus     %s (%llu cases, %llu bytes, xxh64 %s)\n",
              man["corpus"]["path"].get<std::string>().c_str(),
              man["corpus"]["cases"].get<unsigned long long>(),
              man["corpus"]["bytes"].get<unsigned long long>(),
              man["corpus"]["xxh64"].get<std::string>().c_str());
  std::printf("tokenizer  %s, %d pieces\n", man["tokenizer"]["hash"].get<std::string>().c_str(),
              idx.tokenizer().vocab_size());
  std::printf("tokens     %.0f (%.2f bytes of text per token), H0 %.2f bits/token\n", tokens,
              st["text_bytes"].get<double>() / tokens, st["h0_bits_per_token"].get<double>());
  auto row = [&](const char* name, uint64_t bytes) {
    std::printf("  %-20s %12llu bytes  %6.3f bits/token\n", name,
                static_cast<unsigned long long>(bytes), 8.0 * static_cast<double>(bytes) / tokens);
  };
  row("wavelet tree (BWT)", sp.wavelet_tree);
  row("SA sample marks", sp.sample_marks);
  row("SA samples", sp.samples);
  row("case starts", sp.case_starts);
  row("C array", sp.c_array);
  row("FM-index total", sp.total());
  row("document store", idx.docs_bytes());
  std::printf("sample rate %u, %zu shard(s)\n", idx.fm().sample_rate(), idx.num_shards());
  return 0;
}

int run_count(const Args& args) {
  QueryArgs q("index count");
  po::variables_map vm;
  if (!parse_options("index count", args, q.desc, vm, &q.pos)) return 0;
  auto idx = fm::Index::open(q.index);
  auto s = idx.fm().find(idx.encode(q.text));
  auto df = idx.fm().doc_freq(s);
  std::printf("count %llu\tcases %s%llu\n", static_cast<unsigned long long>(s.count()),
              df.exact ? "" : "<=", static_cast<unsigned long long>(df.value));
  return 0;
}

int run_next(const Args& args) {
  QueryArgs q("index next");
  size_t top = 20;
  q.desc.add_options()("top", po::value(&top)->default_value(top), "most frequent k (0 = all)");
  po::variables_map vm;
  if (!parse_options("index next", args, q.desc, vm, &q.pos)) return 0;
  auto idx = fm::Index::open(q.index);
  auto s = idx.fm().find(idx.encode(q.text));
  std::vector<fm::TokenCount> next;
  if (top == 0)
    idx.fm().next_tokens(s, &next);
  else
    idx.fm().next_tokens_topk(s, top, &next);
  std::printf("prefix count %llu, showing %zu successors\n",
              static_cast<unsigned long long>(s.count()), next.size());
  for (const auto& t : next)
    std::printf("%8llu\t%d\t%s\n", static_cast<unsigned long long>(t.count), t.token,
                idx.tokenizer().surface(t.token).c_str());
  return 0;
}

int run_locate(const Args& args) {
  QueryArgs q("index locate");
  size_t limit = 10;
  size_t context = 60;
  q.desc.add_options()                                                           //
      ("limit", po::value(&limit)->default_value(limit), "occurrences to show")  //
      ("context", po::value(&context)->default_value(context), "snippet context bytes");
  po::variables_map vm;
  if (!parse_options("index locate", args, q.desc, vm, &q.pos)) return 0;
  auto idx = fm::Index::open(q.index);
  auto tokens = idx.encode(q.text);
  auto s = idx.fm().find(tokens);
  std::vector<fm::Occurrence> occ;
  idx.fm().locate(s, limit, &occ);
  std::printf("count %llu, showing %zu\n", static_cast<unsigned long long>(s.count()), occ.size());
  for (const auto& o : occ) {
    auto c = idx.get_case(o.case_index);
    std::printf(
        "%s\t@%u\t%s\n", c.id.c_str(), o.offset,
        idx.snippet(c.text, o.offset, static_cast<uint32_t>(tokens.size()), context).c_str());
  }
  return 0;
}

int run_show(const Args& args) {
  po::options_description desc("lcr index show");
  std::string dir, id;
  desc.add_options()                                             //
      ("index", po::value(&dir)->required(), "index directory")  //
      ("id", po::value(&id)->required(), "case id");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (!parse_options("index show", args, desc, vm, &pos)) return 0;
  auto idx = fm::Index::open(dir);
  int64_t i = idx.find_case(id);
  if (i < 0) throw Error("no case with id '" + id + "' in " + dir);
  auto c = idx.get_case(static_cast<uint32_t>(i));
  nlohmann::json j = {{"id", c.id},
                      {"title", c.title},
                      {"charges", c.charges},
                      {"meta", nlohmann::json::parse(c.metadata_json)}};
  std::cout << j.dump(2) << "\n\n" << c.text << "\n";
  return 0;
}

LCR_COMMAND("index build", "Build an FM-index and document store over a corpus", run_build);
LCR_COMMAND("index info", "Verify an index and print its sizes", run_info);
LCR_COMMAND("index count", "Occurrences of a text in the index", run_count);
LCR_COMMAND("index next", "Tokens that follow a text in the corpus, with counts", run_next);
LCR_COMMAND("index locate", "Cases and offsets where a text occurs, with snippets", run_locate);
LCR_COMMAND("index show", "Print one case by id", run_show);

}  // namespace
}  // namespace lcr::cli
