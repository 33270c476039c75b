// lcr search: query-by-case retrieval with a trained model and an index.
//   lcr search --index DIR --model CKPT "query text"        one query, ranked cases
//   lcr search --index DIR --model CKPT --query-file F      the query from a file (- = stdin)
//   lcr search --index DIR --model CKPT --interactive       paste cases; empty line submits
//   lcr search ... --run OUT.trec --queries Q.jsonl         a TREC run for a batch of queries
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/progress.h"
#include "lcr/decoder/searcher.h"
#include "lcr/fmindex/index.h"
#include "lcr/model/step_model.h"
#include "lcr/traindata/elements.h"
#include "lcr/traindata/legal_patterns.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

nlohmann::json to_json(const SearchResult& r) {
  nlohmann::json hits = nlohmann::json::array();
  int rank = 0;
  for (const auto& h : r.hits) {
    nlohmann::json ms = nlohmann::json::array();
    for (const auto& m : h.matches)
      ms.push_back({{"text", m.text}, {"weight", m.weight}, {"corpus_count", m.corpus_count},
                    {"offset", m.offset}});
    hits.push_back({{"rank", ++rank}, {"id", h.id}, {"title", h.title}, {"charges", h.charges},
                    {"score", h.score}, {"matches", ms}, {"snippet", h.snippet}});
  }
  nlohmann::json els = nlohmann::json::array();
  for (const auto& e : r.elements)
    els.push_back({{"text", e.text}, {"logprob", e.logprob}, {"weight", e.weight},
                   {"corpus_count", e.corpus_count}, {"part", e.part}});
  nlohmann::json likely = nlohmann::json::array();
  for (const auto& c : r.likely_charges) likely.push_back({{"charge", c.charge}, {"share", c.share}});
  nlohmann::json head = nlohmann::json::array();
  for (const auto& c : r.model_charges) head.push_back({{"charge", c.charge}, {"p", c.share}});
  return {{"hits", hits},
          {"likely_charges", likely},
          {"model_charges", head},
          {"elements", els},
          {"parts", r.parts},
          {"note", r.note},
          {"seconds",
           {{"model", r.timings.model_seconds},
            {"index", r.timings.index_seconds},
            {"rank", r.rank_seconds}}}};
}

void print_result(const SearchResult& r, bool show_elements) {
  std::string read = "whole query";
  if (r.parts > 0) read += " + " + std::to_string(r.parts) + (r.parts == 1 ? " part" : " parts");
  std::printf("%zu cases  (%s, %zu elements; model %.2f s, index %.3f s, rank %.3f s)\n",
              r.hits.size(), read.c_str(), r.elements.size(),
              r.timings.model_seconds, r.timings.index_seconds, r.rank_seconds);
  if (!r.note.empty()) std::printf("no case found: %s\n", r.note.c_str());
  auto print_charges = [](const char* what, const std::vector<LikelyCharge>& list) {
    std::string cs;
    for (const auto& c : list)
      if (c.share >= 0.005)  // what would print as 0% says nothing
        cs += (cs.empty() ? "" : ", ") + c.charge + " " +
              std::to_string(static_cast<int>(c.share * 100 + 0.5)) + "%";
    if (!cs.empty()) std::printf("%s: %s\n", what, cs.c_str());
  };
  print_charges("likely charges (from the best cases)", r.likely_charges);
  print_charges("the model's charge head reads", r.model_charges);
  int rank = 0;
  for (const auto& h : r.hits) {
    std::string charges;
    for (const auto& c : h.charges) charges += (charges.empty() ? "" : "、") + c;
    std::printf("%2d. %-12s %7.3f  %s  %s\n", ++rank, h.id.c_str(), h.score, charges.c_str(),
                h.title.c_str());
    std::string ms;
    for (size_t i = 0; i < h.matches.size() && i < 5; ++i)
      ms += (i ? " · " : "") + h.matches[i].text + " (×" +
            std::to_string(h.matches[i].corpus_count) + ")";
    std::printf("    matched: %s\n    %s\n", ms.c_str(), h.snippet.c_str());
  }
  if (show_elements) {
    std::printf("generated elements:\n");
    for (const auto& e : r.elements)
      std::printf("  [part %d] %-30s logp %.2f  weight %.2f  count %llu\n", e.part,
                  e.text.c_str(), e.logprob, e.weight,
                  static_cast<unsigned long long>(e.corpus_count));
  }
}

std::string read_all(std::istream& in) {
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The batch mode: JSONL queries (id, text) -> TREC run.
using QueryFn = std::function<std::vector<SearchResult>(const std::vector<std::string>&)>;

int write_run(const QueryFn& run_queries, const std::string& queries_path,
              const std::string& run_path, const std::string& tag, const std::string& pools,
              size_t batch) {
  std::vector<std::pair<std::string, std::string>> queries;
  {
    std::ifstream in(queries_path);
    if (!in) throw Error(queries_path + ": cannot open the queries file");
    std::string line;
    for (size_t no = 1; std::getline(in, line); ++no) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        auto j = nlohmann::json::parse(line);
        auto id = j.at("id");
        queries.push_back({id.is_string() ? id.get<std::string>() : id.dump(),
                           j.at("text").get<std::string>()});
      } catch (const nlohmann::json::exception& e) {
        throw Error(queries_path + ":" + std::to_string(no) + ": needs JSON with string 'id' "
                    "and 'text' (" + e.what() + ")");
      }
    }
  }
  std::map<std::string, std::vector<std::string>> pool;
  if (!pools.empty()) {
    std::ifstream in(pools);
    if (!in) throw Error(pools + ": cannot open the pools file");
    std::string q, d;
    while (in >> q >> d) pool[q].push_back(d);
  }
  std::ostringstream out;
  std::vector<double> query_seconds;
  Progress progress("search: queries", queries.size(), "queries");
  for (size_t i = 0; i < queries.size(); i += batch) {
    std::vector<std::string> texts;
    for (size_t k = i; k < std::min(queries.size(), i + batch); ++k)
      texts.push_back(queries[k].second);
    const auto t0 = std::chrono::steady_clock::now();
    auto results = run_queries(texts);
    // A batch is decoded together: each of its queries is given an equal share of its time.
    const double each = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                        static_cast<double>(texts.size());
    query_seconds.insert(query_seconds.end(), texts.size(), each);
    for (size_t k = 0; k < results.size(); ++k) {
      const auto& qid = queries[i + k].first;
      int rank = 0;
      std::set<std::string> seen;
      const auto it = pool.find(qid);
      const std::vector<std::string> no_pool;
      const auto& members = it == pool.end() ? no_pool : it->second;
      for (const auto& h : results[k].hits) {
        if (!pools.empty() && !std::count(members.begin(), members.end(), h.id)) continue;
        out << qid << " Q0 " << h.id << " " << ++rank << " " << h.score << " " << tag << "\n";
        seen.insert(h.id);
      }
      // Protocol 2 scores every pool case: the unmatched ones follow with score 0.
      for (const auto& d : members)
        if (!seen.count(d)) out << qid << " Q0 " << d << " " << ++rank << " 0 " << tag << "\n";
    }
    progress.update(std::min(queries.size(), i + batch));
  }
  progress.finish();
  write_file_atomic(run_path, out.str());
  std::fprintf(stderr, "wrote %s (%zu queries; %s%s)\n", run_path.c_str(), queries.size(),
               per_query_summary(query_seconds).c_str(),
               batch > 1 ? ", a batch's time shared among its queries" : "");
  return 0;
}

int run_search(const Args& args) {
  po::options_description desc("lcr search");
  std::string index_dir, model_path, extractor_dir, query, query_file, device = "auto", run, queries, tag = "lcr",
                                                        pools;
  SearchOptions so;
  bool json = false, interactive = false, show_elements = false, no_first = false,
       all_parts = false, beyond_window = false;
  int threads = 0;
  size_t batch = 8;
  so.rank.top_k = 10;
  desc.add_options()                                                                    //
      ("index", po::value(&index_dir)->required(), "index directory")                   //
      ("model", po::value(&model_path), "model checkpoint")                             //
      ("extractor", po::value(&extractor_dir),
       "baseline without a model: rank the elements the extractor saved in this `lcr train "
       "data` directory finds in the query")
      ("query", po::value(&query), "the query text (the facts of a case)")              //
      ("query-file", po::value(&query_file), "read the query from a file (- = stdin)")  //
      ("interactive,i", po::bool_switch(&interactive), "paste cases; an empty line submits")
      ("json", po::bool_switch(&json), "print results as JSON")
      ("show-elements", po::bool_switch(&show_elements), "also list the generated elements")
      ("principle", po::value(&so.principle), "a legal principle added to the query")
      ("top-k", po::value(&so.rank.top_k)->default_value(so.rank.top_k), "cases to return")
      ("beam", po::value(&so.beam.beam_size)->default_value(so.beam.beam_size), "beam size")
      ("max-length", po::value(&so.beam.max_length)->default_value(so.beam.max_length),
       "tokens per element")
      ("min-length", po::value(&so.beam.min_length)->default_value(so.beam.min_length),
       "shortest element")
      ("elements", po::value(&so.beam.num_elements)->default_value(so.beam.num_elements),
       "elements kept per query part")
      ("length-penalty", po::value(&so.beam.length_penalty)->default_value(so.beam.length_penalty),
       "score / length^p")
      ("per-first-token", po::value(&so.beam.max_per_first_token)->default_value(0),
       "diversity: hypotheses sharing a first token (0 = no cap)")
      ("no-first-tokens", po::bool_switch(&no_first), "ablation: any token may start an element")
      ("part-chars", po::value(&so.part_chars)->default_value(so.part_chars),
       "queries longer than this are also searched per part")
      ("all-parts", po::bool_switch(&all_parts),
       "also search on their own the parts the model's source window already reads in the "
       "whole query (by default only the parts beyond it are)")
      ("parts-beyond-window", po::bool_switch(&beyond_window),
       "the default; accepted so older commands still run")
      ("max-locate", po::value(&so.rank.max_occurrences)->default_value(so.rank.max_occurrences),
       "occurrences located per element")
      ("alpha", po::value(&so.rank.alpha)->default_value(so.rank.alpha),
       "ranking: an element's weight is its log-odds to this power (higher favours rare ones)")
      ("max-count", po::value(&so.rank.max_count)->default_value(so.rank.max_count),
       "ranking: elements occurring more often than this are not located")
      ("charge-feedback", po::value(&so.charge_feedback)->default_value(so.charge_feedback),
       "ranking: boost cases whose charges cover the likely charges of the best cases by this "
       "much (0 = off; the likely charges are reported either way)")
      ("feedback-cases", po::value(&so.feedback_cases)->default_value(so.feedback_cases),
       "best cases the likely charges are taken from")
      ("run", po::value(&run), "write a TREC run for --queries to this file")
      ("queries", po::value(&queries), "JSONL queries (id, text) for --run")
      ("pools", po::value(&pools), "TSV qid<TAB>docid: restrict each query to its pool and list "
                                   "every pool case")
      ("tag", po::value(&tag)->default_value(tag), "run tag")
      ("batch", po::value(&batch)->default_value(batch), "queries per beam search in --run")
      ("device", po::value(&device)->default_value(device), "auto | cpu | cuda")
      ("threads", po::value(&threads)->default_value(threads), "CPU threads (0 = all cores)");
  po::positional_options_description pos;
  pos.add("query", -1);
  po::variables_map vm;
  if (!parse_options("search", args, desc, vm, &pos)) return 0;
  if (batch < 1) throw UsageError("lcr search: --batch must be at least 1");
  if (all_parts && beyond_window)
    throw UsageError("lcr search: --all-parts and --parts-beyond-window contradict each other");

  if (model_path.empty() == extractor_dir.empty())
    throw UsageError("lcr search: give either --model CKPT or --extractor DATA_DIR");
  auto index = fm::Index::open(index_dir);
  std::unique_ptr<TorchStepModel> model;
  std::unique_ptr<traindata::ElementExtractor> extractor;
  std::vector<int32_t> first;
  if (!model_path.empty()) {
    set_torch_threads(threads);
    model = TorchStepModel::load(model_path, index.tokenizer(), index_dir + "/tokenizer.model",
                                 device);
    if (!no_first) first = model->first_tokens();
    if (model->anonymised_sources())  // read queries as the model read its training sources
      so.source_text = [](const std::string& source, const std::string& query) {
        return traindata::anonymise(source, query);
      };
    so.beam.max_length = std::min(so.beam.max_length, model->max_steps() - 1);
    so.charge_names = model->charge_names();
    if (!all_parts)  // max_source_len less the EOS the model appends
      so.source_window = static_cast<size_t>(model->options().max_source_len - 1);
  } else {
    extractor = std::make_unique<traindata::ElementExtractor>(
        traindata::ElementExtractor::load(extractor_dir + "/extractor.bin", index.tokenizer()));
  }
  Searcher searcher(index, model.get(), first, so);
  QueryFn run_queries;
  if (extractor) run_queries = [&](const std::vector<std::string>& qs) {
    // Every extracted element is taken as equally probable (P = 0.5): its weight then
    // depends on its corpus frequency alone.
    std::vector<std::vector<std::pair<std::string, double>>> els;
    for (const auto& q : qs) {
      els.emplace_back();
      for (const auto& e : extractor->extract(q)) els.back().push_back({e.text, std::log(0.5)});
    }
    return searcher.search_with_elements(qs, els);
  };
  else run_queries = [&](const std::vector<std::string>& qs) {
    return searcher.search_batch(qs);
  };

  if (!run.empty()) {
    if (queries.empty()) throw UsageError("lcr search: --run needs --queries FILE");
    return write_run(run_queries, queries, run, tag, pools, batch);
  }
  auto answer = [&](const std::string& q) {
    auto r = run_queries({q})[0];
    if (json)
      std::cout << to_json(r).dump(2) << "\n";
    else
      print_result(r, show_elements);
    return r;
  };
  if (!query_file.empty()) {
    if (query_file == "-") {
      query = read_all(std::cin);
    } else {
      std::ifstream in(query_file);
      if (!in) throw Error(query_file + ": cannot open the query file");
      query = read_all(in);
    }
  }
  if (!query.empty() || (!interactive && !::isatty(STDIN_FILENO) && query_file.empty())) {
    if (query.empty()) query = read_all(std::cin);
    answer(query);
    return 0;
  }
  // Interactive query-by-case.
  std::printf("lcr: %u cases indexed. Paste a case; an empty line searches. "
              ":show N prints the N-th hit, :quit leaves.\n",
              index.num_cases());
  SearchResult last;
  std::string buf, line;
  for (;;) {
    std::printf(buf.empty() ? "> " : ". ");
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (buf.empty() && line.rfind(":show", 0) == 0) {
      std::string arg = line.size() > 6 ? line.substr(6) : "";
      int64_t d = -1;
      try {
        size_t n = std::stoul(arg);
        if (n >= 1 && n <= last.hits.size()) d = last.hits[n - 1].case_index;
      } catch (const std::exception&) {
        d = index.find_case(arg);
      }
      if (d < 0) {
        std::printf("no hit or case '%s'\n", arg.c_str());
        continue;
      }
      auto c = index.get_case(static_cast<uint32_t>(d));
      std::printf("%s  %s\n\n%s\n", c.id.c_str(), c.title.c_str(), c.text.c_str());
      continue;
    }
    if (buf.empty() && (line == ":quit" || line == ":q")) break;
    if (!line.empty()) {
      buf += line + "\n";
      continue;
    }
    if (buf.empty()) continue;
    try {
      last = answer(buf);
    } catch (const Error& e) {
      std::printf("%s\n", e.what());
    }
    buf.clear();
  }
  return 0;
}

LCR_COMMAND("search", "Find the judgments most relevant to a case (query by case)", run_search);

}  // namespace
}  // namespace lcr::cli
