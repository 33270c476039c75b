// ElementExtractor on the hand-made corpus: the spans a person would pick, the first-token
// rule, save/load, bare query texts, and the IDF fallback for a corpus without charges.
#include <gtest/gtest.h>

#include <algorithm>

#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/traindata/elements.h"
#include "lcr/traindata/legal_patterns.h"
#include "traindata_corpus.h"

namespace lcr::traindata {
namespace {

class TraindataElements : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    tok_ = new Tokenizer(test::mini_tokenizer(dir_->file("t.model")));
    ex_ = new ElementExtractor(ElementExtractor::fit(test::mini_corpus(), *tok_, test::mini_options()));
  }
  static void TearDownTestSuite() {
    delete ex_;
    delete tok_;
    delete dir_;
  }
  static test::TempDir* dir_;
  static Tokenizer* tok_;
  static ElementExtractor* ex_;
};
test::TempDir* TraindataElements::dir_ = nullptr;
Tokenizer* TraindataElements::tok_ = nullptr;
ElementExtractor* TraindataElements::ex_ = nullptr;

std::string joined(const std::vector<Element>& els) {
  std::string s;
  for (const auto& e : els) s += e.text + " | ";
  return s;
}

bool any_contains(const std::vector<Element>& els, const std::string& what) {
  return std::any_of(els.begin(), els.end(), [&](const Element& e) { return e.text.find(what) != std::string::npos; });
}

// Checks the rules every element obeys; adds how many elements there were to `total`.
void check_elements(const Case& c, const std::vector<Element>& els, const ElementExtractor& ex,
                    size_t& total) {
  total += els.size();
  const std::u32string text = to_u32(c.text);
  const auto mask = pattern_mask(text);
  for (const auto& e : els) {
    SCOPED_TRACE(c.id + ": " + e.text);
    EXPECT_EQ(e.field, Field::Text);
    ASSERT_LT(e.char_begin, e.char_end);
    ASSERT_LE(e.char_end, text.size());
    // Offsets point at the text, which occurs in the case.
    EXPECT_EQ(to_utf8(text.substr(e.char_begin, e.char_end - e.char_begin)), e.text);
    // Never starts with a date, name, place, amount, digit.
    EXPECT_EQ(mask[e.char_begin], PatternKind::None);
    const char32_t first = text[e.char_begin];
    EXPECT_FALSE(is_arabic_digit(first) || is_chinese_numeral(first));
    for (const auto& np : test::mini_names_and_places()) EXPECT_NE(e.text.rfind(np, 0), 0u) << np;
    // Starts with a first token; 4..24 tokens.
    const auto ids = ex.tokenizer().encode(e.text);
    ASSERT_FALSE(ids.empty());
    EXPECT_TRUE(ex.is_first_token(ids[0]));
    EXPECT_GE(ids.size(), 4u);
    EXPECT_LE(e.char_end - e.char_begin, 24u);
  }
}

TEST_F(TraindataElements, TheftCasesYieldTheSpansAPersonWouldPick) {
  const auto cases = test::mini_corpus();
  const auto& st = ex_->stats();
  EXPECT_TRUE(st.labelled);
  EXPECT_EQ(st.cases, 20u);
  EXPECT_EQ(st.scored_charges, 4u);
  EXPECT_GT(st.salient_ngrams, 50u);
  // 秘密窃取他人财物 (the reasoning) in every theft case.
  for (int i = 0; i < 5; ++i) {
    const auto els = ex_->extract(cases[static_cast<size_t>(i)]);
    EXPECT_TRUE(any_contains(els, "秘密窃取他人财物")) << joined(els);
  }
  // 窃得...人民币...元 / 窃取...价值人民币...元 from the facts.
  const auto li = ex_->extract(cases[1]);
  EXPECT_TRUE(any_contains(li, "窃得现金人民币3000元")) << joined(li);
  const auto liu = ex_->extract(cases[2]);
  EXPECT_TRUE(any_contains(liu, "价值人民币4200元")) << joined(liu);
}

TEST_F(TraindataElements, OtherChargesYieldTheirElements) {
  const auto cases = test::mini_corpus();
  const auto injury = ex_->extract(cases[5]);
  EXPECT_TRUE(any_contains(injury, "轻伤二级")) << joined(injury);
  EXPECT_TRUE(any_contains(injury, "故意伤害他人身体")) << joined(injury);
  const auto fraud = ex_->extract(cases[10]);
  EXPECT_TRUE(any_contains(fraud, "骗取")) << joined(fraud);
  const auto drunk = ex_->extract(cases[15]);
  EXPECT_TRUE(any_contains(drunk, "醉酒驾驶机动车")) << joined(drunk);
  EXPECT_TRUE(any_contains(drunk, "乙醇含量为185.6mg/100ml")) << joined(drunk);
}

TEST_F(TraindataElements, NoElementStartsWithADateNamePlaceOrDigit) {
  size_t total = 0;
  for (const auto& c : test::mini_corpus()) check_elements(c, ex_->extract(c), *ex_, total);
  EXPECT_GT(total, 60u);
}

TEST_F(TraindataElements, FirstTokenSetHoldsChargeTokensOnly) {
  const auto pieces = ex_->first_token_pieces();
  ASSERT_EQ(pieces.size(), ex_->first_token_set().size());
  EXPECT_TRUE(std::is_sorted(ex_->first_token_set().begin(), ex_->first_token_set().end()));
  auto has = [&](const std::string& p) { return std::find(pieces.begin(), pieces.end(), p) != pieces.end(); };
  for (const char* p : {"盗", "窃", "骗", "伤", "醉", "驾"}) EXPECT_TRUE(has(p)) << p;
  for (const char* p : {"某", "年", "月", "日", "市", "区", "被", "人", "的", "一", "三", "元", "与", "在"})
    EXPECT_FALSE(has(p)) << p;
  for (const auto& p : pieces) EXPECT_FALSE(is_arabic_digit(to_u32(p)[0])) << p;
}

TEST_F(TraindataElements, SavedStatisticsGiveTheSameElements) {
  const std::string path = dir_->file("extractor.bin");
  ex_->save(path);
  const auto loaded = ElementExtractor::load(path, *tok_);
  EXPECT_EQ(loaded.first_token_set(), ex_->first_token_set());
  EXPECT_EQ(loaded.stats().salient_ngrams, ex_->stats().salient_ngrams);
  for (const auto& c : test::mini_corpus()) {
    const auto a = ex_->extract(c), b = loaded.extract(c);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].text, b[i].text);
  }
  // A damaged file and another tokenizer are refused with the file named.
  std::string bytes = read_file(path);
  bytes[bytes.size() / 2] ^= 1;
  test::write_text(dir_->file("bad.bin"), bytes);
  try {
    ElementExtractor::load(dir_->file("bad.bin"), *tok_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.bin: checksum mismatch"), std::string::npos) << e.what();
  }
  TokenizerTrainOptions o;
  o.vocab_size = 350;
  o.quiet = true;
  const auto other = Tokenizer::train_on_sentences({"完全不同的句子。", "另一个句子。"}, dir_->file("o.model"), o);
  EXPECT_THROW(ElementExtractor::load(path, other), Error);
  test::write_text(dir_->file("junk.bin"), "not an extractor");
  EXPECT_THROW(ElementExtractor::load(dir_->file("junk.bin"), *tok_), Error);
}

TEST_F(TraindataElements, RunsOnBareQueryTexts) {
  const std::string q = "2020年5月1日晚上，被告人黄某在某市某区某超市内，秘密窃取货架上的手机一部，价值人民币2600元。";
  const auto els = ex_->extract(q);
  ASSERT_FALSE(els.empty());
  EXPECT_TRUE(any_contains(els, "秘密窃取")) << joined(els);
  const std::u32string t = to_u32(q);
  const auto mask = pattern_mask(t);
  for (const auto& e : els) {
    EXPECT_EQ(to_utf8(t.substr(e.char_begin, e.char_end - e.char_begin)), e.text);
    EXPECT_EQ(mask[e.char_begin], PatternKind::None) << e.text;
  }
  EXPECT_TRUE(ex_->extract("").empty());
  EXPECT_GT(ex_->salience("窃取"), 0.0);
  EXPECT_EQ(ex_->salience("不存在的词"), 0.0);
}

TEST_F(TraindataElements, LeadQueryReplacesNamesPlacesAndDates) {
  const auto cases = test::mini_corpus();
  const std::string lead = ex_->lead_query(cases[0].facts, 2, 200);
  EXPECT_NE(lead.find("秘密窃取"), std::string::npos) << lead;
  EXPECT_NE(lead.find("某人"), std::string::npos) << lead;
  EXPECT_NE(lead.find("某地"), std::string::npos) << lead;
  EXPECT_NE(lead.find("某日"), std::string::npos) << lead;
  for (const char* s : {"张某某", "王某", "北京市", "2018年", "经审理查明"}) EXPECT_EQ(lead.find(s), std::string::npos) << s << " in " << lead;
  EXPECT_LE(to_u32(lead).size(), 200u);
  EXPECT_LE(to_u32(ex_->lead_query(cases[0].facts, 3, 30)).size(), 30u);
}

TEST(TraindataElementsFallback, CorpusWithoutChargesUsesIdf) {
  test::TempDir dir;
  const auto tok = test::mini_tokenizer(dir.file("t.model"));
  const auto corpus = test::mini_corpus(false);
  const auto ex = ElementExtractor::fit(corpus, tok, test::mini_options());
  EXPECT_FALSE(ex.stats().labelled);
  EXPECT_FALSE(ex.first_token_set().empty());
  size_t total = 0;
  for (const auto& c : corpus) check_elements(c, ex.extract(c), ex, total);
  EXPECT_GT(total, 20u);
}

TEST(TraindataElementsOptions, BadOptionsAreRefused) {
  ExtractorOptions o;
  o.max_chars = 2;
  EXPECT_THROW(o.validate(), Error);
  o = {};
  o.min_support = 2;
  EXPECT_THROW(o.validate(), Error);
  test::TempDir dir;
  const auto tok = test::mini_tokenizer(dir.file("t.model"));
  EXPECT_THROW(ElementExtractor::fit(std::vector<Case>{}, tok), Error);
}

}  // namespace
}  // namespace lcr::traindata
