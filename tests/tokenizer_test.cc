// Tokenizer: lossless round trip (any bytes), determinism, and phrase consistency.
#include "lcr/core/tokenizer.h"

#include <gtest/gtest.h>

#include <random>

#include "lcr/core/error.h"
#include "test_util.h"

namespace lcr {
namespace {
using test::write_text;

std::vector<std::string> sentences() {
  std::vector<std::string> s;
  const char* base[] = {"被告人张某盗窃他人财物，数额较大，其行为已构成盗窃罪。",
                        "The defendant stole a bicycle worth 500 yuan on 3 May 2015.",
                        "被告人李某故意伤害他人身体，致一人轻伤，其行为已构成故意伤害罪。",
                        "被告人归案后如实供述自己的罪行，可以从轻处罚。",
                        "Theft of property of a relatively large amount is punishable."};
  for (int i = 0; i < 40; ++i) s.push_back(base[i % 5] + std::to_string(i));
  return s;
}

TokenizerTrainOptions small(int max_piece) {
  TokenizerTrainOptions o;
  o.vocab_size = 400;
  o.max_piece_length = max_piece;
  o.quiet = true;
  return o;
}

TEST(Tokenizer, RoundTripIsLosslessForAnyText) {
  test::TempDir dir;
  auto tok = Tokenizer::train_on_sentences(sentences(), dir.file("t.model"), small(1));
  std::mt19937 rng(3);
  const std::string pieces[] = {"盗", "窃", "罪", " ", "  ", "a", "Z", "7", "，", "\n", "😀",
                                "龘", "é", "\t", "ｘ"};
  for (int round = 0; round < 200; ++round) {
    std::string text;
    for (int i = 0; i < 20; ++i) text += pieces[rng() % std::size(pieces)];
    auto ids = tok.encode(text);
    ASSERT_EQ(tok.decode(ids), text);
    size_t bytes = 0;
    for (auto id : ids) bytes += tok.surface_bytes(id);
    ASSERT_EQ(bytes, text.size());
  }
}

TEST(Tokenizer, CharacterLevelChineseIsConsistent) {
  test::TempDir dir;
  auto tok = Tokenizer::train_on_sentences(sentences(), dir.file("t.model"), small(1));
  // A phrase tokenizes the same alone as inside any context.
  auto alone = tok.encode("盗窃罪");
  EXPECT_EQ(alone.size(), 3u);
  auto ctx = tok.encode("已构成盗窃罪。");
  EXPECT_NE(std::search(ctx.begin(), ctx.end(), alone.begin(), alone.end()), ctx.end());
}

TEST(Tokenizer, DeterministicGivenSeed) {
  test::TempDir dir;
  auto a = Tokenizer::train_on_sentences(sentences(), dir.file("a.model"), small(4));
  auto b = Tokenizer::train_on_sentences(sentences(), dir.file("b.model"), small(4));
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_EQ(Tokenizer::load(dir.file("a.model")).hash(), a.hash());
}

TEST(Tokenizer, BadOptionsAndFilesAreRefused) {
  test::TempDir dir;
  auto o = small(1);
  o.vocab_size = 100;
  try {
    Tokenizer::train_on_sentences(sentences(), dir.file("x.model"), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "--vocab-size must be between 300 and 65000 (got 100): 256 byte pieces are "
                 "always reserved");
  }
  write_text(dir.file("junk.model"), "not a model");
  try {
    Tokenizer::load(dir.file("junk.model"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.file("junk.model") + ": not a sentencepiece model", 0),
              0u);
  }
}

TEST(Tokenizer, SplitSentences) {
  auto s = split_sentences("甲。乙！丙\n丁", 100);
  EXPECT_EQ(s, (std::vector<std::string>{"甲。", "乙！", "丙", "丁"}));
  auto cut = split_sentences("一二三四五", 7);  // 3 bytes a character: cuts at boundaries
  EXPECT_EQ(cut, (std::vector<std::string>{"一二", "三四", "五"}));
}

}  // namespace
}  // namespace lcr
