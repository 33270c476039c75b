// Checkpoint files: round trip, identical outputs after save/load, and refusal of another
// tokenizer, truncation and corruption with clear messages (never a crash).
#include "lcr/model/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/model/step_model.h"
#include "model_fixture.h"

namespace lcr {
namespace {

using test::TempDir;
using test::error_of;

class CheckpointTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    tok_ = new Tokenizer(test::tiny_tokenizer(dir_->file("tok.model")));
  }
  static void TearDownTestSuite() {
    delete tok_;
    delete dir_;
  }
  Checkpoint make() const {
    Checkpoint c = random_checkpoint(test::tiny_model(*tok_), 5, tok_->hash());
    c.step = 42;
    c.first_tokens = {tok_->encode("盗")[0], tok_->encode("醉")[0]};
    c.data_manifest = R"({"pairs_xxh64":"0123456789abcdef"})";
    c.trainer_state = R"({"epoch":1,"batch":3})";
    c.optimizer_state = "optimizer bytes";
    return c;
  }
  static TempDir* dir_;
  static Tokenizer* tok_;
};
TempDir* CheckpointTest::dir_ = nullptr;
Tokenizer* CheckpointTest::tok_ = nullptr;

TEST_F(CheckpointTest, RoundTripKeepsEveryField) {
  const Checkpoint c = make();
  const std::string path = dir_->file("rt.lcr");
  save_checkpoint(path, c);
  const Checkpoint d = load_checkpoint(path);
  EXPECT_EQ(d.options.to_json(), c.options.to_json());
  EXPECT_EQ(d.tokenizer_hash, tok_->hash());
  EXPECT_EQ(d.step, 42);
  EXPECT_EQ(d.first_tokens, c.first_tokens);
  EXPECT_EQ(nlohmann::json::parse(d.data_manifest), nlohmann::json::parse(c.data_manifest));
  EXPECT_EQ(nlohmann::json::parse(d.trainer_state), nlohmann::json::parse(c.trainer_state));
  EXPECT_EQ(d.model_state, c.model_state);
  EXPECT_EQ(d.optimizer_state, "optimizer bytes");
  EXPECT_EQ(checkpoint_to_bytes(d), checkpoint_to_bytes(c));
}

TEST_F(CheckpointTest, SaveLoadGivesIdenticalOutputs) {
  const Checkpoint c = make();
  const std::string path = dir_->file("same.lcr");
  save_checkpoint(path, c);
  TorchStepModel a(c, "cpu");
  auto b = TorchStepModel::load(path, *tok_, "tok.model", "cpu");
  EXPECT_EQ(b->first_tokens(), c.first_tokens);
  const std::vector<std::vector<int32_t>> src = {tok_->encode(test::tiny_pairs()[0].first),
                                                 tok_->encode(test::tiny_pairs()[1].first)};
  a.start(src);
  b->start(src);
  std::vector<float> la, lb;
  std::vector<int32_t> parents = {0, 1, 1}, tokens(3, tok_->bos_id());
  for (int t = 0; t < 3; ++t) {
    a.step(parents, tokens, &la);
    b->step(parents, tokens, &lb);
    ASSERT_EQ(la, lb) << "step " << t;  // bit-identical
    parents = {2, 0, 1};
    tokens = {10, 11, 12};
  }
}

// The serving copy keeps every field but the optimizer state, gives the same outputs, and
// never overwrites a file.
TEST_F(CheckpointTest, ExportForServingDropsOnlyTheOptimizerState) {
  const Checkpoint c = make();
  const std::string full = dir_->file("full.lcr"), serve = dir_->file("serve.lcr");
  save_checkpoint(full, c);
  const uint64_t bytes = export_for_serving(full, serve);
  EXPECT_EQ(bytes, std::filesystem::file_size(serve));
  EXPECT_LT(bytes, std::filesystem::file_size(full));
  const Checkpoint d = load_checkpoint(serve);
  EXPECT_EQ(d.optimizer_state, "");
  Checkpoint expected = c;
  expected.optimizer_state.clear();
  EXPECT_EQ(checkpoint_to_bytes(d), checkpoint_to_bytes(expected));
  TorchStepModel a(c, "cpu");
  auto b = TorchStepModel::load(serve, *tok_, "tok.model", "cpu");
  const std::vector<std::vector<int32_t>> src = {tok_->encode(test::tiny_pairs()[2].first)};
  a.start(src);
  b->start(src);
  std::vector<float> la, lb;
  a.step({0}, {tok_->bos_id()}, &la);
  b->step({0}, {tok_->bos_id()}, &lb);
  EXPECT_EQ(la, lb);
  EXPECT_EQ(error_of([&] { export_for_serving(full, serve); }),
            serve + ": exists; choose another output path");
  EXPECT_EQ(load_checkpoint(serve).optimizer_state, "");  // untouched
}

TEST_F(CheckpointTest, OtherTokenizerIsRefusedNamingBothHashes) {
  const std::string path = dir_->file("tok.lcr");
  save_checkpoint(path, make());
  Tokenizer other = test::tiny_tokenizer(dir_->file("other.model"), 1, "另一个分词器的句子。");
  ASSERT_NE(other.hash(), tok_->hash());
  const std::string expected =
      path + ": checkpoint was trained with tokenizer " + hex64(tok_->hash()) +
      ", but other.model has hash " + hex64(other.hash()) +
      "; pass the tokenizer it was trained with (--tokenizer) or retrain the model";
  EXPECT_EQ(error_of([&] { TorchStepModel::load(path, other, "other.model", "cpu"); }), expected);
  EXPECT_EQ(error_of([&] { check_tokenizer(load_checkpoint(path), path, other, "other.model"); }),
            expected);
}

TEST_F(CheckpointTest, TruncatedFilesAreRefused) {
  const std::string bytes = checkpoint_to_bytes(make());
  const std::string path = dir_->file("cut.lcr");
  // Every cut in the fixed header and the JSON, then a spread of cuts through the tensors.
  std::vector<size_t> cuts;
  for (size_t n = 0; n < 600 && n < bytes.size(); ++n) cuts.push_back(n);
  for (size_t n = 600; n < bytes.size(); n += bytes.size() / 97 + 1) cuts.push_back(n);
  cuts.push_back(bytes.size() - 1);
  for (size_t n : cuts) {
    write_file_atomic(path, bytes.substr(0, n));
    const std::string e = error_of([&] { load_checkpoint(path); });
    ASSERT_EQ(e.rfind(path + ": ", 0), 0u) << "cut at " << n << ": " << e;
    ASSERT_TRUE(e.find("truncated") != std::string::npos ||
                e.find("bad magic") != std::string::npos || e.find("corrupt") != std::string::npos)
        << "cut at " << n << ": " << e;
  }
  write_file_atomic(path, bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(error_of([&] { load_checkpoint(path); }).find("truncated checkpoint"),
            std::string::npos);
}

TEST_F(CheckpointTest, CorruptFilesAreRefused) {
  const std::string bytes = checkpoint_to_bytes(make());
  const std::string path = dir_->file("bad.lcr");
  for (size_t at = 0; at < bytes.size(); at += bytes.size() / 211 + 1) {
    std::string b = bytes;
    b[at] = static_cast<char>(b[at] ^ 0x5a);
    write_file_atomic(path, b);
    const std::string e = error_of([&] { load_checkpoint(path); });
    ASSERT_EQ(e.rfind(path + ": ", 0), 0u) << "flip at " << at << ": " << e;
  }
  EXPECT_EQ(error_of([&] { checkpoint_from_bytes("PK\x03\x04 something else", "x.lcr"); }),
            "x.lcr: not an lcr checkpoint (bad magic)");
  std::string v2 = bytes;
  v2[8] = 2;
  EXPECT_EQ(error_of([&] { checkpoint_from_bytes(v2, "x.lcr"); }),
            "x.lcr: checkpoint format version 2 is not supported (this build reads version 1)");
  EXPECT_EQ(error_of([&] { checkpoint_from_bytes(bytes + "zz", "x.lcr"); }),
            "x.lcr: corrupt checkpoint (2 unexpected trailing bytes)");
  std::string flip = bytes;
  flip[bytes.size() - 20] ^= 1;
  EXPECT_EQ(error_of([&] { checkpoint_from_bytes(flip, "x.lcr"); }),
            "x.lcr: corrupt checkpoint (checksum mismatch)");
  EXPECT_EQ(error_of([&] { load_checkpoint(dir_->file("missing.lcr")); }),
            dir_->file("missing.lcr") + ": cannot open for reading");
}

TEST(ModelOptions, ValidationNamesTheField) {
  ModelOptions o;
  o.vocab_size = 1000;
  o.validate();
  o.heads = 3;
  EXPECT_EQ(error_of([&] { o.validate(); }),
            "model options: heads (3) must be positive and divide d_model (256)");
  o.heads = 4;
  o.max_target_len = 1;
  EXPECT_EQ(error_of([&] { o.validate(); }), "model options: max_target_len must lie in [2, 4096]");
  o.max_target_len = 64;
  EXPECT_EQ(ModelOptions::from_json(o.to_json()).to_json(), o.to_json());
  // The charge head's classes: absent from the JSON of a model without one (so checkpoints
  // from before the head read as 0), kept when set.
  EXPECT_EQ(o.to_json().find("charge_classes"), std::string::npos);
  EXPECT_EQ(ModelOptions::from_json(o.to_json()).charge_classes, 0);
  o.charge_classes = 7;
  EXPECT_EQ(ModelOptions::from_json(o.to_json()).charge_classes, 7);
  EXPECT_EQ(o.parameter_count() - ModelOptions::from_json(R"({"vocab_size": 1000, "pad_id": 3,
      "bos_id": 1, "eos_id": 2, "d_model": 256, "heads": 4, "ff": 1024, "encoder_layers": 3,
      "decoder_layers": 3, "dropout": 0.1, "max_source_len": 512, "max_target_len": 64})")
                                    .parameter_count(),
            7 * (256 + 1));
  o.charge_classes = -1;
  EXPECT_EQ(error_of([&] { o.validate(); }), "model options: charge_classes must lie in [0, 1000000]");
  o.charge_classes = 0;
  EXPECT_EQ(error_of([&] { ModelOptions::from_json(R"({"vocab_size": 10})"); }),
            "model options: missing or non-integer field 'pad_id'");
}

}  // namespace
}  // namespace lcr
