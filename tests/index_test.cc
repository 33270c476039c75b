// Index directories: a build round-trips, every corrupt or mismatched file is refused with an
// exact message, and a failed build leaves the previous index in place.
#include "lcr/fmindex/index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "container.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "test_util.h"

namespace lcr::fm {
namespace {

namespace fs = std::filesystem;
using test::write_text;

std::string corpus_text(int n, const std::string& extra = "") {
  std::string s;
  const char* acts[] = {"盗窃他人财物", "故意伤害他人身体", "驾驶机动车醉酒", "诈骗他人钱款"};
  for (int i = 0; i < n; ++i)
    s += "{\"id\":\"c" + std::to_string(i) + "\",\"title\":\"案" + std::to_string(i) +
         "\",\"charges\":[\"罪" + std::to_string(i % 4) + "\"],\"text\":\"被告人某" +
         std::to_string(i) + "于某日" + acts[i % 4] + "，数额" + std::to_string(100 * i) +
         "元。\"}\n";
  return s + extra;
}

IndexBuildOptions options(const test::TempDir& dir, const std::string& out = "idx") {
  IndexBuildOptions o;
  o.corpus = dir.file("c.jsonl");
  o.out = dir.file(out);
  o.tokenizer_options.vocab_size = 400;
  o.tokenizer_options.quiet = true;
  o.sample_rate = 4;
  return o;
}

std::string open_error(const std::string& dir) {
  return test::error_of([&] { Index::open(dir); });
}

class IndexDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_.file("c.jsonl"), corpus_text(40));
    build_index(options(dir_));
    idx_ = dir_.file("idx");
  }
  void patch(const std::string& file, size_t at, char byte) {
    std::fstream f(idx_ + "/" + file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(byte);
  }
  test::TempDir dir_;
  std::string idx_;
};

TEST_F(IndexDirTest, OpensAndAnswers) {
  auto idx = Index::open(idx_);
  EXPECT_EQ(idx.fm().num_cases(), 40u);
  EXPECT_EQ(idx.get_case(3).id, "c3");
  EXPECT_EQ(idx.get_case(3).title, "案3");
  EXPECT_EQ(idx.find_case("c17"), 17);
  EXPECT_EQ(idx.find_case("nope"), -1);
  auto s = idx.fm().find(idx.encode("盗窃他人财物"));
  EXPECT_EQ(s.count(), 10u);
  std::vector<Occurrence> occ;
  idx.fm().locate(s, 0, &occ);
  for (const auto& o : occ) {
    auto c = idx.get_case(o.case_index);
    EXPECT_EQ(idx.snippet(c.text, o.offset, 6, 0), "…[盗窃他人财物]…");
  }
  EXPECT_TRUE(fs::is_regular_file(idx_ + "/manifest.json"));
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find(".building"), std::string::npos);
}

TEST_F(IndexDirTest, TruncatedFileIsRefused) {
  fs::resize_file(idx_ + "/fm.bin", fs::file_size(idx_ + "/fm.bin") - 10);
  const auto payload = fs::file_size(idx_ + "/fm.bin") - 40;
  EXPECT_EQ(open_error(idx_), idx_ + "/fm.bin: truncated or padded FM-index file: header says " +
                                  std::to_string(payload + 10) + " payload bytes, the file has " +
                                  std::to_string(payload) + "; rebuild the index");
}

TEST_F(IndexDirTest, CorruptedByteIsRefused) {
  patch("docs.bin", 100, '\x7f');
  EXPECT_EQ(open_error(idx_), idx_ +
                                  "/docs.bin: checksum mismatch: the document store file is "
                                  "corrupted; rebuild the index");
}

TEST_F(IndexDirTest, WrongVersionIsRefused) {
  patch("fm.bin", 8, '\x07');
  EXPECT_EQ(open_error(idx_), idx_ +
                                  "/fm.bin: FM-index format version 7, but this lcr reads "
                                  "version 1; rebuild the index with this lcr");
  std::string man = read_file(idx_ + "/manifest.json");
  man.replace(man.find("\"format_version\": 1"), 19, "\"format_version\": 2");
  write_text(idx_ + "/manifest.json", man);
  EXPECT_EQ(open_error(idx_), idx_ +
                                  "/manifest.json: index format version 2, but this lcr reads "
                                  "version 1; rebuild the index with this lcr");
}

TEST_F(IndexDirTest, BadMagicIsRefused) {
  patch("fm.bin", 0, 'X');
  EXPECT_EQ(open_error(idx_), idx_ + "/fm.bin: not an lcr FM-index file (bad magic)");
}

TEST_F(IndexDirTest, EmptyAndHeaderOnlyFilesAreRefused) {
  // Files are mapped, not read: sizes below one header must be caught before the mapping.
  fs::resize_file(idx_ + "/docs.bin", 0);
  EXPECT_EQ(open_error(idx_), idx_ + "/docs.bin: not an lcr document store file (bad magic)");
  fs::resize_file(idx_ + "/fm.bin", 20);
  EXPECT_EQ(open_error(idx_), idx_ +
                                  "/fm.bin: truncated FM-index file (header incomplete); "
                                  "rebuild the index");
}

TEST_F(IndexDirTest, OtherTokenizerIsRefused) {
  // Same corpus, tokenizer trained with another vocabulary: another hash.
  auto o = options(dir_, "idx2");
  o.tokenizer_options.max_piece_length = 3;
  build_index(o);
  fs::copy_file(dir_.file("idx2/tokenizer.model"), idx_ + "/tokenizer.model",
                fs::copy_options::overwrite_existing);
  auto other = Tokenizer::load(dir_.file("idx2/tokenizer.model"));
  auto msg = open_error(idx_);
  EXPECT_EQ(msg.rfind(idx_ + "/tokenizer.model: tokenizer hash " + hex64(other.hash()) +
                          " differs from the manifest's ",
                      0),
            0u)
      << msg;
  auto idx2 = Index::open(dir_.file("idx2"));
  try {
    idx2.require_tokenizer(42, "checkpoint m.pt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("checkpoint m.pt was made with tokenizer "
                                          "000000000000002a, but the index at ",
                                          0),
              0u);
  }
}

TEST_F(IndexDirTest, MixedBuildsAreRefused) {
  write_text(dir_.file("c.jsonl"), corpus_text(41));
  build_index(options(dir_, "idx3"));
  fs::copy_file(dir_.file("idx3/docs.bin"), idx_ + "/docs.bin",
                fs::copy_options::overwrite_existing);
  auto msg = open_error(idx_);
  EXPECT_NE(msg.find("the index directory mixes two builds, rebuild it"), std::string::npos) << msg;
}

TEST_F(IndexDirTest, FailedBuildLeavesOldIndexIntact) {
  const std::string before = read_file(idx_ + "/manifest.json");
  write_text(dir_.file("c.jsonl"), corpus_text(50, "{\"id\":\"bad\"}\n"));
  try {
    build_index(options(dir_));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir_.file("c.jsonl") +
                                         ":51: field 'text' is missing (case 'bad') (use "
                                         "--skip-bad to skip bad lines)");
  }
  EXPECT_EQ(read_file(idx_ + "/manifest.json"), before);
  EXPECT_EQ(Index::open(idx_).fm().num_cases(), 40u);
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find(".building"), std::string::npos);
  // With --skip-bad the same corpus builds, and the skipped line is reported.
  auto o = options(dir_);
  o.skip_bad = true;
  auto rep = build_index(o);
  EXPECT_EQ(rep.cases, 50u);
  EXPECT_EQ(rep.skip_summary, dir_.file("c.jsonl") + ": skipped 1 bad line: 1 missing text");
  EXPECT_EQ(Index::open(idx_).fm().num_cases(), 50u);
}

// A corpus cut into shards: the same answers as one index, global case ids, and a build that
// resumes after the shards an interrupted run finished.
class ShardedIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_.file("c.jsonl"), corpus_text(40));
    build_index(options(dir_, "one"));
  }
  IndexBuildOptions sharded(const std::string& out) {
    auto o = options(dir_, out);
    o.tokenizer = dir_.file("one/tokenizer.model");
    o.shard_tokens = 120;  // cases are ~20 tokens: several shards
    return o;
  }
  static nlohmann::json manifest(const std::string& dir) {
    return nlohmann::json::parse(read_file(dir + "/manifest.json"));
  }
  test::TempDir dir_;
};

TEST_F(ShardedIndexTest, AnswersLikeOneIndex) {
  auto rep = build_index(sharded("many"));
  auto one = Index::open(dir_.file("one"));
  auto many = Index::open(dir_.file("many"));
  EXPECT_EQ(one.num_shards(), 1u);
  EXPECT_GT(many.num_shards(), 3u);
  EXPECT_EQ(rep.shards, many.num_shards());
  EXPECT_TRUE(fs::is_regular_file(dir_.file("many/shard-0001/fm.bin")));
  EXPECT_EQ(many.num_cases(), 40u);
  EXPECT_EQ(many.fm().num_tokens(), one.fm().num_tokens());
  for (uint32_t d = 0; d < 40; ++d) {
    EXPECT_EQ(many.case_id(d), "c" + std::to_string(d));
    EXPECT_EQ(many.get_case(d).text, one.get_case(d).text);
    EXPECT_EQ(many.fm().extract_case(d), one.fm().extract_case(d));
  }
  EXPECT_EQ(many.find_case("c33"), 33);
  for (const char* q : {"盗窃他人财物", "被告人某1", "数额", "元。"}) {
    auto a = one.fm().find(one.encode(q)), b = many.fm().find(many.encode(q));
    EXPECT_EQ(a.count(), b.count()) << q;
    std::vector<Occurrence> oa, ob;
    one.fm().locate(a, 0, &oa);
    many.fm().locate(b, 0, &ob);
    std::sort(oa.begin(), oa.end());
    std::sort(ob.begin(), ob.end());
    EXPECT_EQ(oa, ob) << q;
    std::vector<TokenCount> na, nb;
    one.fm().next_tokens(a, &na);
    many.fm().next_tokens(b, &nb);
    EXPECT_EQ(na, nb) << q;
  }
  EXPECT_EQ(manifest(dir_.file("many"))["stats"]["tokens"],
            manifest(dir_.file("one"))["stats"]["tokens"]);
}

TEST_F(ShardedIndexTest, InterruptedBuildResumesAfterFinishedShards) {
  build_index(sharded("clean"));
  const std::string out = dir_.file("many"), work = out + ".building";
  auto o = sharded("many");
  o.stop_after_shards = 2;
  EXPECT_EQ(test::error_of([&] { build_index(o); }),
            "index: stopped after 2 shard(s) as asked; run the same build again to resume");
  EXPECT_FALSE(fs::exists(out));  // nothing half-built at the final path
  EXPECT_TRUE(fs::exists(work + "/shard-0001/shard.json"));
  // A half-written shard (as a kill leaves it) is discarded on resume.
  fs::create_directories(work + "/shard-0002.tmp");
  o.stop_after_shards = 0;
  auto rep = build_index(o);
  EXPECT_EQ(rep.resumed_shards, 2u);
  EXPECT_FALSE(fs::exists(work));
  // Byte for byte what an uninterrupted build wrote.
  EXPECT_EQ(manifest(out)["files"], manifest(dir_.file("clean"))["files"]);
  EXPECT_EQ(Index::open(out).num_cases(), 40u);
}

TEST_F(ShardedIndexTest, OtherOptionsDiscardAnUnfinishedBuild) {
  auto o = sharded("many");
  o.stop_after_shards = 1;
  EXPECT_THROW(build_index(o), Error);
  o.stop_after_shards = 0;
  o.sample_rate = 8;
  EXPECT_EQ(build_index(o).resumed_shards, 0u);
  EXPECT_EQ(Index::open(dir_.file("many")).fm().sample_rate(), 8u);
}

TEST_F(ShardedIndexTest, DamagedOrMixedShardsAreRefused) {
  build_index(sharded("many"));
  const std::string d = dir_.file("many");
  fs::copy_file(d + "/shard-0001/docs.bin", d + "/shard-0000/docs.bin",
                fs::copy_options::overwrite_existing);
  auto msg = open_error(d);
  EXPECT_EQ(msg.rfind(d + "/shard-0000/docs.bin: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("mixes two builds"), std::string::npos) << msg;
  build_index(sharded("many"));
  fs::resize_file(d + "/shard-0002/fm.bin", fs::file_size(d + "/shard-0002/fm.bin") - 1);
  msg = open_error(d);
  EXPECT_EQ(msg.rfind(d + "/shard-0002/fm.bin: truncated or padded FM-index file", 0), 0u) << msg;
}

// Index::open parses the FM-index through ViewStreambuf over a mapped file, dropping pages
// behind it. Oracle: the bytes written. Random reads and seeks, windows that cut pages, with
// and without dropping (a dropped page must come back from the file, not as zeros).
TEST(Container, MappedPayloadReadsBackThroughWindowsAndSeeks) {
  test::TempDir dir;
  std::mt19937_64 rng(7);
  std::string bytes(3'000'017, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  const ContainerSpec spec{"LCRTEST1", 3, "test"};
  write_container(dir.file("t.bin"), spec, 42, bytes);
  const auto file = MappedContainer::open(dir.file("t.bin"), spec, 42);
  ASSERT_TRUE(file.payload() == bytes);
  file.release_pages();
  for (const bool drop : {false, true}) {
    ViewStreambuf buf(file.payload(), drop, 8192 + 13);
    std::istream in(&buf);
    size_t pos = 0;
    std::string got;
    for (int k = 0; k < 3000; ++k) {
      if (rng() % 8 == 0) {
        pos = rng() % (bytes.size() + 1);
        in.clear();
        in.seekg(static_cast<std::streamoff>(pos));
        ASSERT_TRUE(in) << pos;
        ASSERT_EQ(static_cast<size_t>(in.tellg()), pos);
      }
      const size_t n = rng() % 30000;
      got.resize(n);
      in.read(got.data(), static_cast<std::streamsize>(n));
      const auto r = static_cast<size_t>(in.gcount());
      ASSERT_EQ(r, std::min(n, bytes.size() - pos)) << "drop " << drop << " at " << pos;
      ASSERT_TRUE(got.compare(0, r, bytes, pos, r) == 0) << "drop " << drop << " at " << pos;
      pos += r;
      if (!in) in.clear();
    }
    in.clear();
    in.seekg(-5, std::ios::end);
    got.assign(5, '\0');
    in.read(got.data(), 5);
    EXPECT_TRUE(in && got == bytes.substr(bytes.size() - 5));
    in.seekg(1, std::ios::end);
    EXPECT_FALSE(in);  // past the end is refused, not clamped
  }
  // The build id is checked before anything is mapped.
  EXPECT_EQ(test::error_of([&] { MappedContainer::open(dir.file("t.bin"), spec, 43); }),
            dir.file("t.bin") + ": belongs to build 000000000000002a, but the manifest names "
                                "build 000000000000002b; the index directory mixes two builds, "
                                "rebuild it");
}

TEST(IndexDir, MissingDirectoryIsNamed) {
  EXPECT_EQ(open_error("/nonexistent/idx"),
            "/nonexistent/idx: no index directory here (build one with `lcr index build`)");
}

}  // namespace
}  // namespace lcr::fm
