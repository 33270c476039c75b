// How far token-level FM-index counts agree with plain substring counts, for a tokenizer
// trained with a given piece-length cap (docs/tokenization.md).
//
//   token_consistency --corpus FILE [--cases 300] [--max-piece-length 1] [--vocab-size 8000]
//                     [--phrases 500] [--seed 1]
//
// Trains a tokenizer on the first --cases cases, indexes them, then draws random phrases of
// 2..8 characters from the texts and compares fm.find(encode(phrase)).count() with a
// substring count. Also prints tokens per character and for a few legal phrases.
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "lcr/core/corpus.h"
#include "lcr/core/error.h"
#include "lcr/core/tokenizer.h"
#include "lcr/fmindex/fm_index.h"

using namespace lcr;

namespace {
size_t substring_count(const std::vector<std::string>& texts, const std::string& p) {
  size_t n = 0;
  for (const auto& t : texts)
    for (size_t at = t.find(p); at != std::string::npos; at = t.find(p, at + 1)) ++n;
  return n;
}
size_t chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

int main(int argc, char** argv) {
  std::string corpus;
  size_t n_cases = 300, phrases = 500;
  TokenizerTrainOptions o;
  o.quiet = true;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--corpus") corpus = v;
    else if (k == "--cases") n_cases = std::stoul(v);
    else if (k == "--max-piece-length") o.max_piece_length = std::stoi(v);
    else if (k == "--vocab-size") o.vocab_size = std::stoi(v);
    else if (k == "--phrases") phrases = std::stoul(v);
    else if (k == "--seed") seed = static_cast<unsigned>(std::stoul(v));
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: token_consistency --corpus FILE [--max-piece-length N] ...\n");
    return 2;
  }
  try {
    std::vector<std::string> texts, sentences;
    CorpusReader r(corpus);
    for (Case c; texts.size() < n_cases && r.next(c);) {
      for (auto& s : split_sentences(c.text)) sentences.push_back(std::move(s));
      texts.push_back(std::move(c.text));
    }
    const std::string model = std::filesystem::temp_directory_path() / "lcr-consistency.model";
    auto tok = Tokenizer::train_on_sentences(sentences, model, o);
    std::vector<std::vector<int32_t>> ids;
    size_t n_tokens = 0, n_chars = 0;
    for (const auto& t : texts) {
      ids.push_back(tok.encode(t));
      n_tokens += ids.back().size();
      n_chars += chars(t);
    }
    auto fm = fm::FmIndex::build(ids, 32);
    std::mt19937 rng(seed);
    size_t agree = 0, total = 0;
    double found_share = 0;
    while (total < phrases) {
      const auto& t = texts[rng() % texts.size()];
      size_t at = rng() % t.size();
      while (at > 0 && (static_cast<unsigned char>(t[at]) & 0xC0) == 0x80) --at;
      size_t end = at;
      for (size_t k = 2 + rng() % 7; k > 0 && end < t.size(); --k) {
        ++end;
        while (end < t.size() && (static_cast<unsigned char>(t[end]) & 0xC0) == 0x80) ++end;
      }
      std::string p = t.substr(at, end - at);
      size_t want = substring_count(texts, p), got = fm.find(tok.encode(p)).count();
      agree += got == want;
      found_share += static_cast<double>(got) / static_cast<double>(want);
      ++total;
    }
    std::printf("max piece length %d: %d pieces, %.3f tokens/char, phrase counts agree %zu/%zu "
                "(%.1f%%), mean share of occurrences found %.1f%%\n",
                o.max_piece_length, tok.vocab_size(),
                static_cast<double>(n_tokens) / static_cast<double>(n_chars), agree, total,
                100.0 * static_cast<double>(agree) / static_cast<double>(total),
                100.0 * found_share / static_cast<double>(total));
    for (const char* p : {"盗窃罪", "如实供述", "自首", "故意伤害罪"})
      std::printf("  %s: %zu of %zu occurrences found\n", p,
                  static_cast<size_t>(fm.find(tok.encode(p)).count()), substring_count(texts, p));
    std::filesystem::remove(model);
  } catch (const Error& e) {
    std::fprintf(stderr, "token_consistency: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
