// lcr tokenizer train | encode
#include <iostream>

#include "command.h"
#include "lcr/core/tokenizer.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

int run_train(const Args& args) {
  po::options_description desc("lcr tokenizer train");
  std::string corpus, out;
  TokenizerTrainOptions o;
  desc.add_options()                                                                      //
      ("corpus", po::value(&corpus)->required(), "corpus JSONL (plain or .zst)")           //
      ("out", po::value(&out)->required(), "where to write the sentencepiece .model")      //
      ("vocab-size", po::value(&o.vocab_size)->default_value(o.vocab_size), "vocabulary size (upper bound)")  //
      ("max-piece-length", po::value(&o.max_piece_length)->default_value(o.max_piece_length),
       "max characters per piece: 1 = character-level Chinese (keeps FM-index counts true)")  //
      ("model-type", po::value(&o.model_type)->default_value(o.model_type), "unigram | bpe")  //
      ("seed", po::value(&o.seed)->default_value(o.seed), "random seed")                     //
      ("max-sentences", po::value(&o.max_sentences)->default_value(o.max_sentences),
       "sentences sampled from the corpus for training")                                      //
      ("threads", po::value(&o.threads)->default_value(o.threads), "training threads");
  po::variables_map vm;
  if (!parse_options("tokenizer train", args, desc, vm)) return 0;
  o.quiet = true;
  auto tok = Tokenizer::train_on_corpus(corpus, out, o);
  std::cout << "wrote " << out << ": " << tok.vocab_size() << " pieces, hash "
            << std::hex << tok.hash() << std::dec << "\n";
  return 0;
}

int run_encode(const Args& args) {
  po::options_description desc("lcr tokenizer encode");
  std::string model, text;
  desc.add_options()                                                       //
      ("tokenizer", po::value(&model)->required(), "sentencepiece .model")  //
      ("text", po::value(&text)->required(), "text to encode");
  po::positional_options_description pos;
  pos.add("text", 1);
  po::variables_map vm;
  if (!parse_options("tokenizer encode", args, desc, vm, &pos)) return 0;
  auto tok = Tokenizer::load(model);
  for (int32_t id : tok.encode(text)) std::cout << id << "\t" << tok.piece(id) << "\n";
  return 0;
}

LCR_COMMAND("tokenizer train", "Train a sentencepiece tokenizer on a corpus", run_train);
LCR_COMMAND("tokenizer encode", "Show how a text is tokenized", run_encode);

}  // namespace
}  // namespace lcr::cli
