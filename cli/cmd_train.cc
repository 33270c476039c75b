// lcr train | generate: train the element generator; inspect what it generates.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/core/tokenizer.h"
#include "lcr/model/checkpoint.h"
#include "lcr/model/step_model.h"
#include "lcr/trainer/plain_search.h"
#include "lcr/trainer/train.h"
#include "lcr/traindata/legal_patterns.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

int run_train(const Args& args) {
  TrainOptions o;
  ModelOptions& m = o.model;
  bool no_amp = false;
  po::options_description desc("lcr train");
  desc.add_options()                                                                            //
      ("data", po::value(&o.data_dir)->required(), "training-data directory (lcr train data)")  //
      ("tokenizer", po::value(&o.tokenizer_path)->required(),
       "sentencepiece .model of the data")                                                //
      ("out", po::value(&o.out)->required(), "checkpoint file (rewritten at each save)")  //
      ("resume", po::bool_switch(&o.resume),
       "continue --out exactly (model, optimizer, data order)")                    //
      ("d-model", po::value(&m.d_model)->default_value(m.d_model), "hidden size")  //
      ("heads", po::value(&m.heads)->default_value(m.heads), "attention heads")    //
      ("ff", po::value(&m.ff)->default_value(m.ff), "feed-forward size")           //
      ("encoder-layers", po::value(&m.encoder_layers)->default_value(m.encoder_layers),
       "encoder layers")  //
      ("decoder-layers", po::value(&m.decoder_layers)->default_value(m.decoder_layers),
       "decoder layers")                                                       //
      ("dropout", po::value(&m.dropout)->default_value(m.dropout), "dropout")  //
      ("max-source-len", po::value(&m.max_source_len)->default_value(m.max_source_len),
       "source tokens kept (EOS included)")  //
      ("max-target-len", po::value(&m.max_target_len)->default_value(m.max_target_len),
       "decoder positions (BOS included)")                                                       //
      ("steps", po::value(&o.steps)->default_value(o.steps), "optimizer steps of the schedule")  //
      ("warmup", po::value(&o.warmup_steps)->default_value(o.warmup_steps), "warm-up steps")     //
      ("lr", po::value(&o.lr)->default_value(o.lr), "peak learning rate")                        //
      ("min-lr-ratio", po::value(&o.min_lr_ratio)->default_value(o.min_lr_ratio),
       "final lr / peak lr")  //
      ("schedule", po::value(&o.schedule)->default_value(o.schedule),
       "decay after warm-up: cosine | linear")  //
      ("weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay),
       "AdamW weight decay")  //
      ("clip", po::value(&o.clip_norm)->default_value(o.clip_norm),
       "gradient-norm clip (0 = off)")  //
      ("label-smoothing", po::value(&o.label_smoothing)->default_value(o.label_smoothing),
       "label smoothing")  //
      ("charge-loss", po::value(&o.charge_loss)->default_value(o.charge_loss),
       "weight of the auxiliary loss that has the encoder predict the source case's charges "
       "(0 = off)")  //
      ("batch-tokens", po::value(&o.batch_tokens)->default_value(o.batch_tokens),
       "padded source+target tokens per batch")  //
      ("batch-by", po::value(&o.batch_by)->default_value(o.batch_by),
       "source: all pairs of a source in one batch, the source encoded once | pair")  //
      ("seed", po::value(&o.seed)->default_value(o.seed),
       "seed: initialisation, dropout, data order")  //
      ("valid-every", po::value(&o.valid_every)->default_value(o.valid_every),
       "valid loss every N steps")  //
      ("valid-pairs", po::value(&o.valid_pairs)->default_value(o.valid_pairs),
       "valid pairs scored (0 = all)")  //
      ("save-every", po::value(&o.save_every)->default_value(o.save_every),
       "checkpoint every N steps")  //
      ("log-every", po::value(&o.log_every)->default_value(o.log_every),
       "log line every N steps (non-terminal)")  //
      ("max-minutes", po::value(&o.max_minutes)->default_value(o.max_minutes),
       "time budget; 0 = none")  //
      ("stop-after", po::value(&o.stop_after)->default_value(o.stop_after),
       "stop after this step (schedule unchanged)")                                   //
      ("device", po::value(&o.device)->default_value(o.device), "auto | cpu | cuda")  //
      ("amp", po::value(&o.amp)->default_value(o.amp),
       "bf16 autocast: auto (CUDA, and CPUs with native bf16) | on | off")  //
      ("no-amp", po::bool_switch(&no_amp), "the same as --amp off")        //
      ("threads", po::value(&o.threads)->default_value(0), "intra-op threads (0 = all cores)");
  po::variables_map vm;
  if (!parse_options("train", args, desc, vm)) return 0;
  if (no_amp) {
    if (!vm["amp"].defaulted() && o.amp != "off")
      throw UsageError("lcr train: --no-amp contradicts --amp " + o.amp);
    o.amp = "off";
  }
  TrainResult r = train(o);
  std::cout << "steps " << r.first_step << " -> " << r.last_step << " (" << r.stop_reason << ") on "
            << r.device << ", " << static_cast<long long>(r.tokens_per_second) << " tokens/s";
  if (!r.losses.empty()) std::cout << ", last train loss " << r.losses.back();
  if (r.valid_loss == r.valid_loss) std::cout << ", valid loss " << r.valid_loss;
  std::cout << "\nwrote " << o.out << "\n";
  return 0;
}

int run_generate(const Args& args) {
  std::string checkpoint, tokenizer_path, query, device = "auto";
  PlainSearchOptions s;
  bool first_only = false, pieces = false;
  int threads = 0;
  po::options_description desc("lcr generate");
  desc.add_options()                                                                            //
      ("checkpoint", po::value(&checkpoint)->required(), "checkpoint from lcr train")           //
      ("tokenizer", po::value(&tokenizer_path)->required(), "its sentencepiece .model")         //
      ("query", po::value(&query), "query text (default: read stdin)")                          //
      ("beam", po::value(&s.beam)->default_value(s.beam), "beam size (1 = greedy)")             //
      ("top", po::value(&s.top)->default_value(0), "hypotheses shown (0 = beam)")               //
      ("max-len", po::value(&s.max_len)->default_value(0), "tokens at most (0 = model's max)")  //
      ("first-tokens", po::bool_switch(&first_only),
       "start only with the saved first-token set")                               //
      ("pieces", po::bool_switch(&pieces), "also show the pieces")                //
      ("device", po::value(&device)->default_value(device), "auto | cpu | cuda")  //
      ("threads", po::value(&threads)->default_value(0), "intra-op threads (0 = all cores)");
  po::positional_options_description pos;
  pos.add("query", 1);
  po::variables_map vm;
  if (!parse_options("generate", args, desc, vm, &pos)) return 0;
  if (!vm.count("query") || query == "-")
    query.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  set_torch_threads(threads);
  Tokenizer tok = Tokenizer::load(tokenizer_path);
  auto model = TorchStepModel::load(checkpoint, tok, tokenizer_path, device);
  if (s.max_len == 0) s.max_len = model->max_steps();
  if (first_only) {
    if (model->first_tokens().empty()) throw Error(checkpoint + ": has no first-token set");
    s.first_tokens = model->first_tokens();
  }
  // A model trained on anonymised sources reads queries anonymised, as lcr search gives them.
  if (model->anonymised_sources()) query = traindata::anonymise(query);
  auto hyps = plain_beam_search(*model, tok.encode(query), s);
  for (size_t i = 0; i < hyps.size(); ++i) {
    std::printf("%zu\t%.4f\t%s%s\n", i + 1, hyps[i].log_prob, tok.decode(hyps[i].tokens).c_str(),
                hyps[i].finished ? "" : "\t(cut at max-len)");
    if (pieces) {
      std::string p;
      for (int32_t id : hyps[i].tokens) p += (p.empty() ? "" : " ") + tok.piece(id);
      std::printf("\t\t[%s]\n", p.c_str());
    }
  }
  return 0;
}

int run_export(const Args& args) {
  std::string in, out;
  po::options_description desc("lcr train export");
  desc.add_options()                                                                       //
      ("checkpoint", po::value(&in)->required(), "checkpoint from lcr train")              //
      ("out", po::value(&out)->required(), "serving copy to write (must not exist)");
  po::variables_map vm;
  if (!parse_options("train export", args, desc, vm)) return 0;
  const uint64_t bytes = export_for_serving(in, out);
  std::cout << "wrote " << out << ": " << bytes << " bytes, without the optimizer state of "
            << in << " (" << std::filesystem::file_size(in) << " bytes)\n";
  return 0;
}

LCR_COMMAND("train", "Train the element generator (transformer) on lcr train data output",
            run_train);
LCR_COMMAND("train export",
            "Copy a checkpoint without its optimizer state, for search and generate",
            run_export);
LCR_COMMAND("generate", "Show what a trained model generates for a query (unconstrained)",
            run_generate);

}  // namespace
}  // namespace lcr::cli
