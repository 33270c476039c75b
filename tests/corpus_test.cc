// Corpus ingestion: every kind of bad line is named with file and line, or skipped and
// counted with --skip-bad; .zst input reads the same as plain.
#include "lcr/core/corpus.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include "lcr/core/error.h"
#include "test_util.h"

namespace lcr {
namespace {
using test::write_text;

std::string error_of(const std::string& path, CorpusReadOptions o = {}) {
  return test::error_of([&] { read_corpus(path, o); });
}

TEST(Corpus, ReadsFieldsAndKeepsMetadata) {
  test::TempDir dir;
  write_text(dir.file("c.jsonl"),
             "{\"id\":\"a\",\"text\":\"甲\",\"title\":\"T\",\"charges\":[\"盗窃罪\"],\"facts\":\"f\","
             "\"court\":\"X\",\"year\":2015}\n\n{\"id\":7,\"text\":\"乙\"}\r\n");
  auto cases = read_corpus(dir.file("c.jsonl"));
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].id, "a");
  EXPECT_EQ(cases[0].title, "T");
  EXPECT_EQ(cases[0].charges, std::vector<std::string>{"盗窃罪"});
  EXPECT_EQ(cases[0].facts, "f");
  EXPECT_EQ(cases[0].metadata_json, R"({"court":"X","year":2015})");
  EXPECT_EQ(cases[1].id, "7");
  EXPECT_EQ(cases[1].text, "乙");
  EXPECT_EQ(cases[1].line, 3u);
}

TEST(Corpus, BadLinesNameFileAndLine) {
  test::TempDir dir;
  const std::string good = "{\"id\":\"a\",\"text\":\"x\"}\n";
  struct Case {
    std::string line, message;
  } cases[] = {
      {"{\"id\":\"b\",\"text\":\"y\"", "malformed JSON"},
      {"{\"id\":\"b\"}", "field 'text' is missing (case 'b')"},
      {"{\"text\":\"y\"}", "field 'id' is missing"},
      {"{\"id\":\"a\",\"text\":\"y\"}", "duplicate id 'a'"},
      {"{\"id\":\"b\",\"text\":5}", "field 'text' must be a string (case 'b')"},
      {"{\"id\":\"b\",\"text\":\"y\",\"charges\":\"x\"}",
       "field 'charges' must be an array of strings (case 'b')"},
      {"{\"id\":\"b\",\"text\":\"\xff\"}", "invalid UTF-8 at byte 19"},
      {"[1]", "the line is not a JSON object"},
  };
  for (const auto& c : cases) {
    write_text(dir.file("c.jsonl"), good + c.line + "\n");
    std::string msg = error_of(dir.file("c.jsonl"));
    EXPECT_EQ(msg.rfind(dir.file("c.jsonl") + ":2: " + c.message, 0), 0u) << msg;
  }
}

TEST(Corpus, SkipBadCountsByReason) {
  test::TempDir dir;
  write_text(dir.file("c.jsonl"),
             "{\"id\":\"a\",\"text\":\"x\"}\n{oops\n{\"id\":\"a\",\"text\":\"y\"}\n"
             "{\"id\":\"b\",\"text\":\"z\"}\n{\"id\":\"c\"}\n");
  CorpusReader r(dir.file("c.jsonl"), {true});
  std::vector<std::string> ids;
  for (Case c; r.next(c);) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.lines_skipped(), 3u);
  EXPECT_EQ(r.skip_summary(),
            "skipped 3 bad lines: 1 duplicate id, 1 malformed JSON, 1 missing text");
}

TEST(Corpus, ReadsZstdLikePlain) {
  test::TempDir dir;
  std::string plain;
  for (int i = 0; i < 2000; ++i)
    plain += "{\"id\":\"c" + std::to_string(i) + "\",\"text\":\"案情" + std::to_string(i) + "\"}\n";
  std::string z(ZSTD_compressBound(plain.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), plain.data(), plain.size(), 3));
  write_text(dir.file("c.jsonl"), plain);
  write_text(dir.file("c.jsonl.zst"), z);
  auto a = read_corpus(dir.file("c.jsonl"));
  auto b = read_corpus(dir.file("c.jsonl.zst"));
  ASSERT_EQ(a.size(), 2000u);
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].text, b[i].text);
  // A truncated stream is an error, not a silently shorter corpus.
  write_text(dir.file("t.jsonl.zst"), z.substr(0, z.size() / 2));
  EXPECT_NE(error_of(dir.file("t.jsonl.zst")).find("truncated zstd stream"), std::string::npos);
}

TEST(Corpus, MissingFileIsNamed) {
  EXPECT_EQ(error_of("/nonexistent/x.jsonl"), "/nonexistent/x.jsonl: cannot open corpus file");
}

TEST(Utf8, Validation) {
  EXPECT_EQ(first_invalid_utf8("abc盗窃"), std::string::npos);
  EXPECT_EQ(first_invalid_utf8("ab\xc0\xaf"), 2u);           // overlong
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0u);          // surrogate
  EXPECT_EQ(first_invalid_utf8("a\xe7\x9b"), 1u);             // cut short
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0u);      // past U+10FFFF
}

}  // namespace
}  // namespace lcr
