// lcr bench decode: decoding throughput of the constrained beam search over a query set —
// queries/s, decoder steps/s, generated tokens/s, the share of time in the model and in the
// FM-index, latency p50/p95 — with and without the constraint, for several beam and batch
// sizes. Prints a Markdown table and writes JSON.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/decoder/beam_search.h"
#include "lcr/fmindex/index.h"
#include "lcr/model/step_model.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

std::vector<int> parse_list(const std::string& s, const std::string& name) {
  std::vector<int> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) {
    try {
      out.push_back(std::stoi(x));
    } catch (const std::exception&) {
      throw UsageError("lcr bench decode: --" + name + " takes numbers separated by commas");
    }
  }
  return out;
}

int run_bench_decode(const Args& args) {
  po::options_description desc("lcr bench decode");
  std::string index_dir, model_path, queries_path, json_out, beams = "5,15,30", batches = "1,8",
                                                             device = "auto";
  size_t limit = 20;
  int threads = 0, repeat = 1;
  BeamSearchOptions base;
  desc.add_options()                                                                 //
      ("index", po::value(&index_dir)->required(), "index directory")                //
      ("model", po::value(&model_path)->required(), "model checkpoint")              //
      ("queries", po::value(&queries_path)->required(), "JSONL queries (id, text)")  //
      ("limit", po::value(&limit)->default_value(limit), "queries used")             //
      ("beams", po::value(&beams)->default_value(beams), "beam sizes, comma-separated")(
          "batches", po::value(&batches)->default_value(batches), "queries per model call")(
          "max-length", po::value(&base.max_length)->default_value(base.max_length),
          "tokens per element")("elements",
                                po::value(&base.num_elements)->default_value(base.num_elements),
                                "elements per query")("json", po::value(&json_out),
                                                      "also write the results as JSON here")(
          "device", po::value(&device)->default_value(device), "auto | cpu | cuda")(
          "threads", po::value(&threads)->default_value(threads), "CPU threads (0 = all cores)")(
          "repeat", po::value(&repeat)->default_value(repeat),
          "runs of each batch; the fastest counts (steadier figures on a busy machine)");
  po::variables_map vm;
  if (!parse_options("bench decode", args, desc, vm)) return 0;

  auto index = fm::Index::open(index_dir);
  set_torch_threads(threads);
  auto model =
      TorchStepModel::load(model_path, index.tokenizer(), index_dir + "/tokenizer.model", device);
  base.max_length = std::min(base.max_length, model->max_steps() - 1);
  std::vector<std::vector<int32_t>> sources;
  {
    std::ifstream in(queries_path);
    if (!in) throw Error(queries_path + ": cannot open the queries file");
    std::string line;
    for (size_t no = 1; sources.size() < limit && std::getline(in, line); ++no) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        sources.push_back(index.encode(nlohmann::json::parse(line).at("text").get<std::string>()));
      } catch (const nlohmann::json::exception& e) {
        throw Error(queries_path + ":" + std::to_string(no) + ": " + e.what());
      }
    }
  }
  if (sources.empty()) throw Error(queries_path + ": no queries");
  if (repeat < 1) throw UsageError("lcr bench decode: --repeat must be >= 1");

  nlohmann::json rows = nlohmann::json::array();
  std::printf("device %s, %zu queries, max length %d, %d elements\n\n", model->device().c_str(),
              sources.size(), base.max_length, base.num_elements);
  std::printf(
      "| constraint | beam | batch | queries/s | steps/s | tokens/s | model %% | index %% "
      "| other %% | latency p50 s | p95 s | vs unconstrained | index / rest |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int beam : parse_list(beams, "beams"))
    for (int batch : parse_list(batches, "batches")) {
      if (batch < 1) throw UsageError("lcr bench decode: batch sizes must be >= 1");
      double unconstrained_total = 0;
      for (bool constrained : {false, true}) {
        BeamSearchOptions o = base;
        o.beam_size = beam;
        o.constrained = constrained;
        std::vector<double> lat;
        SearchTimings sum;
        double total = 0;
        for (size_t i = 0; i < sources.size(); i += static_cast<size_t>(batch)) {
          std::vector<std::vector<int32_t>> b(
              sources.begin() + static_cast<long>(i),
              sources.begin() +
                  static_cast<long>(std::min(sources.size(), i + static_cast<size_t>(batch))));
          // The fastest of --repeat runs: the least disturbed by anything else on the machine.
          double s = 0;
          SearchTimings t;
          for (int rep = 0; rep < repeat; ++rep) {
            BeamSearch bs(*model, constrained ? &index.fm() : nullptr, o, model->first_tokens());
            auto t0 = std::chrono::steady_clock::now();
            bs.run(b);
            double si =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (rep == 0 || si < s) {
              s = si;
              t = bs.timings();
            }
          }
          total += s;
          lat.push_back(s);
          sum.model_seconds += t.model_seconds;
          sum.index_seconds += t.index_seconds;
          sum.other_seconds += t.other_seconds;
          sum.steps += t.steps;
          sum.rows += t.rows;
          sum.follow_calls += t.follow_calls;
          sum.extend_calls += t.extend_calls;
          sum.list_calls += t.list_calls;
          sum.follow_seconds += t.follow_seconds;
          sum.extend_seconds += t.extend_seconds;
          sum.list_seconds += t.list_seconds;
        }
        if (!constrained) unconstrained_total = total;
        const double n = static_cast<double>(sources.size());
        nlohmann::json r = {{"constrained", constrained},
                            {"beam", beam},
                            {"batch", batch},
                            {"queries_per_s", n / total},
                            {"steps_per_s", static_cast<double>(sum.steps) / total},
                            {"tokens_per_s", static_cast<double>(sum.rows) / total},
                            {"model_share", sum.model_seconds / total},
                            {"index_share", sum.index_seconds / total},
                            {"other_share", sum.other_seconds / total},
                            {"latency_p50_s", percentile(lat, 0.5)},
                            {"latency_p95_s", percentile(lat, 0.95)},
                            {"total_s", total},
                            {"index_calls",
                             {{"can_follow", sum.follow_calls},
                              {"extend", sum.extend_calls},
                              {"next_tokens", sum.list_calls},
                              {"can_follow_s", sum.follow_seconds},
                              {"extend_s", sum.extend_seconds},
                              {"next_tokens_s", sum.list_seconds}}},
                            {"index_over_rest", sum.index_seconds / (total - sum.index_seconds)},
                            {"device", model->device()}};
        if (constrained) r["overhead_vs_unconstrained"] = total / unconstrained_total - 1;
        rows.push_back(r);
        std::printf(
            "| %s | %d | %d | %.2f | %.1f | %.0f | %.1f | %.1f | %.1f | %.3f | %.3f | %s | %s |\n",
            constrained ? "FM-index" : "none", beam, batch, n / total,
            static_cast<double>(sum.steps) / total, static_cast<double>(sum.rows) / total,
            100 * sum.model_seconds / total, 100 * sum.index_seconds / total,
            100 * sum.other_seconds / total, percentile(lat, 0.5), percentile(lat, 0.95),
            constrained ? (std::to_string(static_cast<int>(
                               std::lround(100 * (total / unconstrained_total - 1)))) +
                           "%")
                              .c_str()
                        : "",
            constrained ? (std::to_string(static_cast<int>(std::lround(
                               100 * sum.index_seconds / (total - sum.index_seconds)))) +
                           "%")
                              .c_str()
                        : "");
        std::fflush(stdout);
      }
    }
  if (!json_out.empty()) write_file_atomic(json_out, rows.dump(2) + "\n");
  return 0;
}

LCR_COMMAND("bench decode", "Decoding throughput with and without the FM-index constraint",
            run_bench_decode);

}  // namespace
}  // namespace lcr::cli
