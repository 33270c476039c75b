// build_training_data on the hand-made corpus: the output contract the trainer reads, pair
// limits, determinism, the import path, augmentation, splits, the naive ablation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/hash.h"
#include "lcr/fmindex/index.h"
#include "lcr/traindata/build.h"
#include "lcr/traindata/legal_patterns.h"
#include "traindata_corpus.h"

namespace lcr::traindata {
namespace {

using json = nlohmann::json;

std::vector<json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

class TraindataBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_mini_corpus(dir.file("corpus.jsonl"));
    test::write_mini_corpus(dir.file("nolabels.jsonl"), false);
    tok_hash = test::mini_tokenizer(dir.file("t.model")).hash();
    o.corpus = dir.file("corpus.jsonl");
    o.tokenizer = dir.file("t.model");
    o.out = dir.file("out");
    o.extractor_options = test::mini_options();
  }
  // Case id -> the case.
  std::map<std::string, Case> by_id() const {
    std::map<std::string, Case> m;
    for (auto& c : test::mini_corpus()) m[c.id] = c;
    return m;
  }
  test::TempDir dir;
  uint64_t tok_hash = 0;
  TrainDataOptions o;
};

TEST_F(TraindataBuild, WritesTheContractTheTrainerReads) {
  const auto r = build_training_data(o);
  const auto cases = by_id();
  const auto pairs = read_jsonl(o.out + "/pairs.jsonl");
  ASSERT_EQ(pairs.size(), r.pairs);
  EXPECT_EQ(r.cases, 20u);
  const std::set<std::string> kinds = {"query-element", "element-element", "lead-element", "augment"};
  std::map<std::string, uint64_t> per_kind;
  std::map<std::string, std::string> split_of;
  for (const auto& p : pairs) {
    ASSERT_EQ(p.size(), 6u) << p.dump();
    for (const char* k : {"src", "tgt", "kind", "case", "split"}) ASSERT_TRUE(p.at(k).is_string()) << k;
    const std::string kind = p["kind"], id = p["case"], split = p["split"], tgt = p["tgt"];
    EXPECT_TRUE(kinds.count(kind)) << kind;
    ASSERT_TRUE(cases.count(id)) << id;
    {  // the source case's labels, sorted and without repeats (what --charge-loss learns)
      std::set<std::string> own(cases.at(id).charges.begin(), cases.at(id).charges.end());
      EXPECT_EQ(p.at("charges").get<std::vector<std::string>>(),
                std::vector<std::string>(own.begin(), own.end())) << p.dump();
    }
    EXPECT_TRUE(split == "train" || split == "valid");
    EXPECT_FALSE(tgt.empty());
    EXPECT_FALSE(p["src"].get<std::string>().empty());
    ++per_kind[kind];
    ASSERT_TRUE(cases.count(id)) << id;
    if (split_of.count(id)) {
      EXPECT_EQ(split_of[id], split) << "a case spans both splits";
    }
    split_of[id] = split;
    if (kind == "query-element" || kind == "element-element" || kind == "lead-element") {
      EXPECT_NE(cases.at(id).text.find(tgt), std::string::npos) << tgt;
    }
    if (kind == "query-element") {
      EXPECT_EQ(p["src"], truncate_chars(cases.at(id).facts, o.max_source_chars));
    }
  }
  EXPECT_EQ(per_kind, r.pairs_by_kind);
  EXPECT_GT(per_kind["query-element"], 40u);
  EXPECT_GT(per_kind["element-element"], 15u);
  EXPECT_GT(per_kind["lead-element"], 15u);

  const json first = json::parse(read_file(o.out + "/first_tokens.json"));
  EXPECT_EQ(first["tokenizer_hash"], hex64(tok_hash));
  const auto ids = first["ids"].get<std::vector<int32_t>>();
  EXPECT_FALSE(ids.empty());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(first["pieces"].size(), ids.size());

  const json m = json::parse(read_file(o.out + "/manifest.json"));
  EXPECT_EQ(m["magic"], "lcr-traindata");
  EXPECT_EQ(m["format_version"], 1);
  EXPECT_EQ(m["tokenizer_hash"], hex64(tok_hash));
  EXPECT_EQ(m["corpus"]["xxh64"], hex64(xxh64_file(o.corpus)));
  EXPECT_EQ(m["corpus"]["cases"], 20);
  EXPECT_EQ(m["options"]["seed"], 1);
  uint64_t sum = 0;
  for (const auto& [k, v] : m["counts"].items()) sum += v.get<uint64_t>();
  EXPECT_EQ(sum, pairs.size());
  // The statistics load back (the extractor can run on queries later).
  const auto tok = Tokenizer::load(o.tokenizer);
  const auto ex = ElementExtractor::load(o.out + "/extractor.bin", tok);
  EXPECT_EQ(ex.first_token_set(), ids);
  EXPECT_EQ(read_jsonl(o.out + "/elements.jsonl").size(), 20u);
}

TEST_F(TraindataBuild, PairLimitsPerCaseAreRespected) {
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      o.max_query_pairs = 3;
      o.max_element_pairs = 2;
      o.max_lead_pairs = 1;
    }
    build_training_data(o);
    std::map<std::string, std::map<std::string, int>> n;
    for (const auto& p : read_jsonl(o.out + "/pairs.jsonl")) ++n[p["case"]][p["kind"]];
    for (auto& [id, k] : n) {
      EXPECT_LE(k["query-element"] + k["augment"], o.max_query_pairs) << id;
      EXPECT_LE(k["element-element"], o.max_element_pairs) << id;
      EXPECT_LE(k["lead-element"], o.max_lead_pairs) << id;
    }
    if (round == 1) {
      EXPECT_EQ(n["c2"]["query-element"] + n["c2"]["augment"], 3);
    }
  }
}

TEST_F(TraindataBuild, SameSeedSameOutputOtherSeedOtherSplit) {
  o.valid_share = 0.3;
  o.augment_share = 0.3;
  build_training_data(o);
  o.out = dir.file("again");
  build_training_data(o);
  for (const char* f : {"pairs.jsonl", "first_tokens.json", "manifest.json", "elements.jsonl", "extractor.bin"})
    EXPECT_EQ(read_file(dir.file("out/") + f), read_file(dir.file("again/") + f)) << f;
  o.seed = 7;
  o.out = dir.file("other");
  build_training_data(o);
  EXPECT_NE(read_file(dir.file("out/pairs.jsonl")), read_file(dir.file("other/pairs.jsonl")));
}

TEST_F(TraindataBuild, AugmentationPairsCasesWithTheSameCharges) {
  o.augment_share = 1.0;
  o.valid_share = 0.25;
  const auto r = build_training_data(o);
  // Only cases without a partner (alone with their charges in their split) keep their own.
  auto kinds = r.pairs_by_kind;
  EXPECT_GT(kinds["augment"], 40u);
  EXPECT_GT(kinds["augment"], 3 * kinds["query-element"]);
  std::map<std::string, std::set<std::string>> elements;
  for (const auto& e : read_jsonl(o.out + "/elements.jsonl"))
    for (const auto& t : e["elements"]) elements[e["id"]].insert(t.get<std::string>());
  const auto cases = by_id();
  std::map<std::string, std::string> split_of;
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl")) split_of[p["case"]] = p["split"];
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl")) {
    if (p["kind"] != "augment") continue;
    const std::string id = p["case"], tgt = p["tgt"];
    bool found = false;  // another case of the same split and charges has this element
    for (const auto& [other, els] : elements)
      found |= other != id && els.count(tgt) && cases.at(other).charges == cases.at(id).charges &&
               split_of[other] == split_of[id];
    EXPECT_TRUE(found) << id << " " << tgt;
  }
}

TEST_F(TraindataBuild, ImportedElementsReplaceExtractedOnesAndNonVerbatimOnesAreDropped) {
  test::write_text(dir.file("import.jsonl"),
                   "{\"id\": \"c1\", \"elements\": [\"秘密窃取被害人王某停放在楼下的电动自行车\", \"不在文中的要素\", "
                   "\"被告人张某某被公安机关抓获\"]}\n"
                   "{\"id\": \"zzz\", \"elements\": [\"无此案\"]}\n");
  o.import_elements = dir.file("import.jsonl");
  o.augment_share = 0;
  const auto r = build_training_data(o);
  EXPECT_EQ(r.imported_cases, 1u);
  EXPECT_EQ(r.imported_elements, 2u);
  EXPECT_EQ(r.import_dropped, 1u);
  EXPECT_EQ(r.import_unknown_ids, 1u);
  EXPECT_GE(r.first_tokens_added_by_import, 1u);  // 被 starts no extracted element
  std::set<std::string> c1;
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl"))
    if (p["case"] == "c1" && p["kind"] == "query-element") c1.insert(p["tgt"].get<std::string>());
  EXPECT_EQ(c1, (std::set<std::string>{"秘密窃取被害人王某停放在楼下的电动自行车", "被告人张某某被公安机关抓获"}));
  const auto tok = Tokenizer::load(o.tokenizer);
  const auto ids = json::parse(read_file(o.out + "/first_tokens.json"))["ids"].get<std::vector<int32_t>>();
  EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), tok.encode("被告人")[0]));
  const json m = json::parse(read_file(o.out + "/manifest.json"));
  EXPECT_EQ(m["import"]["dropped_not_verbatim"], 1);

  test::write_text(dir.file("bad.jsonl"), "{\"id\": \"c1\", \"elements\": [\"a\"]}\n{\"id\": \"c1\" \n");
  o.import_elements = dir.file("bad.jsonl");
  try {
    build_training_data(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2: malformed JSON"), std::string::npos) << e.what();
  }
}

TEST_F(TraindataBuild, NaiveTargetsAreRandomSpansOfTheCase) {
  o.targets = Targets::Naive;
  const auto r = build_training_data(o);
  ASSERT_EQ(r.pairs_by_kind.size(), 1u);
  EXPECT_EQ(r.pairs_by_kind.begin()->first, "naive");
  const auto cases = by_id();
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl")) {
    const std::string tgt = p["tgt"];
    const auto& c = cases.at(p["case"]);
    bool found = c.text.find(tgt) != std::string::npos;  // or in a case it was paired with
    for (const auto& [id, other] : cases)
      found |= other.charges == c.charges && other.text.find(tgt) != std::string::npos;
    EXPECT_TRUE(found) << tgt;
  }
}

TEST_F(TraindataBuild, CorpusWithoutChargesStillWorks) {
  o.corpus = dir.file("nolabels.jsonl");
  const auto r = build_training_data(o);
  EXPECT_FALSE(r.extractor.labelled);
  EXPECT_GT(r.pairs_by_kind.at("query-element"), 20u);
  EXPECT_EQ(r.pairs_by_kind.count("augment"), 0u);
  EXPECT_EQ(json::parse(read_file(o.out + "/manifest.json"))["extractor"]["mode"], "idf");
}

TEST_F(TraindataBuild, BadOptionsAndInputsAreRefused) {
  TrainDataOptions bad = o;
  bad.augment_share = 1.5;
  EXPECT_THROW(build_training_data(bad), Error);
  bad = o;
  bad.corpus = dir.file("missing.jsonl");
  EXPECT_THROW(build_training_data(bad), Error);
  EXPECT_FALSE(std::filesystem::exists(o.out));  // nothing half-written
  bad = o;
  bad.extractor = dir.file("missing.bin");
  EXPECT_THROW(build_training_data(bad), Error);
  for (auto set : {+[](TrainDataOptions& x) { x.window_sources = -1; },
                   +[](TrainDataOptions& x) { x.window_pairs = 0; },
                   +[](TrainDataOptions& x) { x.window_chars = 8; }}) {
    bad = o;
    set(bad);
    EXPECT_NE(test::error_of([&] { build_training_data(bad); }).find("--window-"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(o.out));
}

// The charge filter against brute force: a target of a labelled case is kept exactly when, of
// the other cases whose text holds it (plain substring search), at least half share a charge
// with the case; unlabelled cases keep everything.
TEST_F(TraindataBuild, ChargeFilterKeepsTargetsMostlyInCasesOfTheSameCharges) {
  fm::IndexBuildOptions bo;
  bo.corpus = o.corpus;
  bo.out = dir.file("idx");
  bo.tokenizer = o.tokenizer;
  fm::build_index(bo);
  build_training_data(o);  // unfiltered
  auto targets_of = [&](const std::string& out) {
    std::map<std::string, std::vector<std::string>> m;
    for (const auto& e : read_jsonl(out + "/elements.jsonl"))
      m[e["id"]] = e["elements"].get<std::vector<std::string>>();
    return m;
  };
  const auto before = targets_of(o.out);
  o.out = dir.file("out-cf");
  o.index = dir.file("idx");
  o.min_charge_share = 0.5;
  const auto r = build_training_data(o);
  const auto after = targets_of(o.out);
  const auto cases = by_id();
  auto brute_share = [&](const std::string& text, const Case& self) {
    int total = 0, same = 0;
    for (const auto& [id, c] : cases) {
      if (id == self.id || c.text.find(text) == std::string::npos) continue;
      ++total;
      bool common = false;
      for (const auto& a : c.charges)
        common |= std::find(self.charges.begin(), self.charges.end(), a) != self.charges.end();
      same += common;
    }
    return total == 0 ? -1.0 : static_cast<double>(same) / total;
  };
  uint64_t kept = 0, dropped = 0;
  for (const auto& [id, ts] : before) {
    const auto& c = cases.at(id);
    const auto& got = after.at(id);
    if (c.charges.empty()) {
      EXPECT_EQ(got, ts) << id;
      continue;
    }
    for (const auto& t : ts) {
      const bool keep = brute_share(t, c) >= 0.5;
      EXPECT_EQ(std::count(got.begin(), got.end(), t) > 0, keep) << id << ": " << t;
      (keep ? kept : dropped)++;
    }
  }
  ASSERT_GT(kept, 0u);     // both outcomes occur, so the comparison above can fail
  ASSERT_GT(dropped, 0u);
  EXPECT_EQ(r.charge_kept, kept);
  EXPECT_EQ(r.charge_scored, kept + dropped);
  EXPECT_GE(r.charge_share_after, 0.5);
  EXPECT_EQ(json::parse(read_file(o.out + "/manifest.json"))["charge_filter"]["kept"], kept);

  // An index made with another tokenizer, or none, is refused in words.
  TrainDataOptions bad = o;
  bad.out = dir.file("out-bad");
  bad.index = "";
  EXPECT_THROW(build_training_data(bad), Error);
  TokenizerTrainOptions to;
  to.vocab_size = 900;
  to.max_piece_length = 1;
  to.quiet = true;
  std::vector<std::string> sentences;
  for (const auto& [id, c] : cases) sentences.push_back(c.text);
  Tokenizer::train_on_sentences(sentences, dir.file("t2.model"), to);
  bo.out = dir.file("idx2");
  bo.tokenizer = dir.file("t2.model");
  fm::build_index(bo);
  bad.index = dir.file("idx2");
  try {
    build_training_data(bad);
    ADD_FAILURE() << "an index with another tokenizer was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another tokenizer"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(bad.out));
}

// The filter leaves labelled cases without elements; --partner-pairs gives each of them pairs
// from its facts to distinct elements of other cases of its split sharing a charge.
// Window sources, against an oracle computed here from the facts and elements.jsonl: each
// window is verbatim facts starting right after a sentence end, past the first
// window_chars / 2 characters, at most window_chars long; its targets are the case's
// elements, those the window holds first, at most window_pairs; at most window_sources a case.
TEST_F(TraindataBuild, WindowSourcesStartAtLaterSentencesAndLeadWithTheElementsTheyHold) {
  o.window_sources = 2;
  o.window_chars = 24;
  o.window_pairs = 3;
  const auto r = build_training_data(o);
  const auto cases = by_id();
  std::map<std::string, std::vector<std::string>> targets;
  for (const auto& e : read_jsonl(o.out + "/elements.jsonl"))
    targets[e["id"]] = e["elements"].get<std::vector<std::string>>();
  std::map<std::string, std::map<std::string, std::vector<std::string>>> windows;  // case -> src -> tgts
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl"))
    if (p["kind"] == "window-element") windows[p["case"]][p["src"]].push_back(p["tgt"]);
  ASSERT_GE(windows.size(), 4u);
  uint64_t n = 0;
  for (const auto& [id, ws] : windows) {
    EXPECT_LE(ws.size(), 2u) << id;
    const std::u32string facts = to_u32(cases.at(id).facts);
    for (const auto& [src, tgts] : ws) {
      const std::u32string w = to_u32(src);
      EXPECT_LE(w.size(), 24u);
      const size_t at = facts.find(w);
      ASSERT_NE(at, std::u32string::npos) << src;
      EXPECT_GE(at, 12u) << src;
      EXPECT_TRUE(is_sentence_break(facts[at - 1])) << src;
      std::vector<std::string> want;
      for (const auto& t : targets[id])
        if (src.find(t) != std::string::npos) want.push_back(t);
      for (const auto& t : targets[id])
        if (src.find(t) == std::string::npos) want.push_back(t);
      want.resize(std::min<size_t>(want.size(), 3));
      EXPECT_EQ(tgts, want) << src;
      n += tgts.size();
    }
  }
  EXPECT_EQ(n, r.pairs_by_kind.at("window-element"));
  EXPECT_EQ(json::parse(read_file(o.out + "/manifest.json"))["options"]["window_sources"], 2);
}

// Anonymised sources are the anonymised facts (anonymise() itself is checked by hand in
// traindata_patterns_test), carry no 某-style name of a case and no date, and change no
// target. (Plain two-character names after a verb, 被告人李明窜至, are a known miss of the
// name recogniser; see docs/training-data.md.)
TEST_F(TraindataBuild, AnonymisedSourcesHideNamesAndDatesAndKeepTheTargets) {
  auto pairs_of = [&](bool anonymise) {
    o.anonymise_sources = anonymise;
    o.window_sources = 1;
    o.window_chars = 40;
    build_training_data(o);
    return read_jsonl(o.out + "/pairs.jsonl");
  };
  const auto plain = pairs_of(false), anon = pairs_of(true);
  EXPECT_EQ(json::parse(read_file(o.out + "/manifest.json"))["options"]["anonymise_sources"], true);
  ASSERT_EQ(plain.size(), anon.size());
  const auto cases = by_id();
  uint64_t shorter = 0, windows = 0;
  for (size_t i = 0; i < anon.size(); ++i) {
    EXPECT_EQ(anon[i]["tgt"], plain[i]["tgt"]) << i;
    EXPECT_EQ(anon[i]["kind"], plain[i]["kind"]) << i;
    const std::string kind = anon[i]["kind"], src = anon[i]["src"];
    if (kind == "element-element") continue;
    for (const auto& m : test::mini_cases())
      if (std::string(m.name).find("某") != std::string::npos) {
        EXPECT_EQ(src.find(m.name), std::string::npos) << m.name << " in " << src;
      }
    for (const char* d : {"2016年", "2017年", "2018年", "2019年", "时许"})
      EXPECT_EQ(src.find(d), std::string::npos) << d << " in " << src;
    if (kind == "query-element" || kind == "augment") {  // every mini case names a date
      EXPECT_LT(to_u32(src).size(), to_u32(plain[i]["src"].get<std::string>()).size()) << src;
      ++shorter;
    }
    if (kind == "query-element") {
      EXPECT_EQ(src, anonymise(cases.at(anon[i]["case"]).facts)) << src;
    }
    if (kind == "window-element") {
      ++windows;
      // The verbatim window, anonymised, starts the anonymised source.
      EXPECT_EQ(src.rfind(to_utf8(to_u32(anonymise(plain[i]["src"].get<std::string>())).substr(0, 8)), 0), 0u) << src;
    }
  }
  EXPECT_GT(windows, 0u);
  EXPECT_GE(shorter, 20u);  // every case with elements gives query-element pairs
}

TEST_F(TraindataBuild, PartnerPairsTeachTheFactsOfCasesLeftWithoutElements) {
  // A theft case told in the words of a fraud case: the elements of both are held only by a
  // case of another charge, so the filter drops them all.
  auto cases = by_id();
  Case odd = cases.at("c11");
  ASSERT_EQ(odd.charges, std::vector<std::string>{"诈骗罪"});
  odd.id = "c99";
  odd.charges = {"盗窃罪"};
  cases[odd.id] = odd;
  {
    std::ofstream out(o.corpus, std::ios::app);
    out << json{{"id", odd.id}, {"title", odd.title}, {"facts", odd.facts}, {"text", odd.text},
                {"charges", odd.charges}}.dump() << "\n";
  }
  fm::IndexBuildOptions bo;
  bo.corpus = o.corpus;
  bo.out = dir.file("idx");
  bo.tokenizer = o.tokenizer;
  fm::build_index(bo);
  o.index = dir.file("idx");
  o.min_charge_share = 0.5;
  o.augment_share = 0;
  const auto none = build_training_data(o);
  o.out = dir.file("out-pp");
  o.partner_pairs = 3;
  const auto r = build_training_data(o);
  std::map<std::string, std::set<std::string>> elements;
  for (const auto& e : read_jsonl(o.out + "/elements.jsonl"))
    for (const auto& t : e["elements"]) elements[e["id"]].insert(t.get<std::string>());
  std::map<std::string, std::string> split_of;
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl")) split_of[p["case"]] = p["split"];
  std::map<std::string, std::set<std::string>> partner_targets;
  for (const auto& p : read_jsonl(o.out + "/pairs.jsonl"))
    if (elements[p["case"]].empty()) {
      EXPECT_EQ(p["kind"], "augment");
      EXPECT_TRUE(partner_targets[p["case"]].insert(p["tgt"].get<std::string>()).second)
          << "repeated target";
    }
  size_t orphans = 0;
  for (const auto& [id, c] : cases) {
    if (!elements[id].empty() || c.charges.empty()) continue;
    ++orphans;
    const auto& got = partner_targets[id];
    EXPECT_LE(got.size(), 3u) << id;
    for (const auto& t : got) {
      bool found = false;  // an element of another case of the same split sharing a charge
      for (const auto& [other, els] : elements) {
        bool common = false;
        for (const auto& a : cases.at(other).charges)
          common |= std::count(c.charges.begin(), c.charges.end(), a) > 0;
        found |= other != id && els.count(t) && common && split_of[other] == split_of[id];
      }
      EXPECT_TRUE(found) << id << " " << t;
    }
  }
  ASSERT_GT(orphans, 0u);  // the strict filter did leave cases without elements
  EXPECT_EQ(r.cases_without_elements, none.cases_without_elements);
  EXPECT_GT(r.cases_with_partner_pairs, 0u);
  EXPECT_EQ(r.cases_with_partner_pairs, partner_targets.size());
  EXPECT_GT(r.pairs, none.pairs);
  EXPECT_EQ(r.pairs - none.pairs, [&] {
    size_t n = 0;
    for (const auto& [id, ts] : partner_targets) n += ts.size();
    return n;
  }());
}

}  // namespace
}  // namespace lcr::traindata
