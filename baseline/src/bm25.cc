#include "lcr/baseline/bm25.h"
#include "lcr/traindata/legal_patterns.h"

#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lcr/core/corpus.h"
#include "lcr/core/error.h"
#include "lcr/core/fs.h"
#include "lcr/core/progress.h"

namespace lcr::baseline {
namespace {

constexpr const char* kIdPrefix = "Q";
constexpr const char* kManifest = "lcr-bm25.json";
constexpr size_t kMaxTermBytes = 240;  // Xapian's limit is 245 bytes

Xapian::TermGenerator make_term_generator() {
  Xapian::TermGenerator tg;
  tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  return tg;
}

// The query as an OR of its distinct terms, each weighted by its count in the query.
Xapian::Query build_terms_query(const std::string& text) {
  Xapian::TermGenerator tg = make_term_generator();
  Xapian::Document scratch;
  tg.set_document(scratch);
  tg.index_text_without_positions(text);
  std::vector<Xapian::Query> leaves;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
    leaves.emplace_back(*t, t.get_wdf());
  return Xapian::Query(Xapian::Query::OP_OR, leaves.begin(), leaves.end());
}

Xapian::Query build_parser_query(const std::string& text) {
  Xapian::QueryParser qp;
  qp.set_default_op(Xapian::Query::OP_OR);
  return qp.parse_query(text, Xapian::QueryParser::FLAG_DEFAULT |
                                  Xapian::QueryParser::FLAG_CJK_NGRAM);
}

Xapian::Query build_query(const std::string& text, QueryMode mode) {
  return mode == QueryMode::parser ? build_parser_query(text) : build_terms_query(text);
}

bool has_space(const std::string& s) { return s.find_first_of(" \t\r\n") != std::string::npos; }

// The score as a run file prints it (6 decimals), so that sorting and printing agree.
double run_score(double w) { return std::round(w * 1e6) / 1e6; }

std::vector<eval::RunEntry> collect(const Xapian::MSet& mset) {
  std::vector<eval::RunEntry> out;
  out.reserve(mset.size());
  for (auto m = mset.begin(); m != mset.end(); ++m)
    out.push_back({m.get_document().get_data(), run_score(m.get_weight())});
  return out;
}

}  // namespace

std::string strip_distractors(std::string_view text) {
  std::u32string u = traindata::to_u32(text);
  const auto mask = traindata::pattern_mask(u);
  for (size_t i = 0; i < u.size(); ++i)
    if (mask[i] != traindata::PatternKind::None && mask[i] != traindata::PatternKind::Amount)
      u[i] = U' ';
  return traindata::to_utf8(u);
}

QueryMode parse_query_mode(const std::string& name) {
  if (name == "terms") return QueryMode::terms;
  if (name == "parser") return QueryMode::parser;
  throw Error("query mode must be 'terms' or 'parser', not '" + name + "'");
}

const char* query_mode_name(QueryMode mode) {
  return mode == QueryMode::parser ? "parser" : "terms";
}

void Bm25IndexOptions::validate() const {
  if (field != "text" && field != "facts")
    throw Error("--field must be 'text' or 'facts', not '" + field + "'");
}

Bm25IndexStats build_bm25_index(const std::string& corpus_path, const std::string& out_dir,
                                const Bm25IndexOptions& options) {
  options.validate();
  CorpusReader reader(corpus_path);
  Bm25IndexStats st;
  StagedDir staged(out_dir);
  try {
    Xapian::WritableDatabase db(staged.path(),
                                Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
    Xapian::TermGenerator tg = make_term_generator();
    std::unique_ptr<Progress> progress;
    if (!options.quiet)
      progress = std::make_unique<Progress>("bm25 index", reader.file_bytes() >> 10, "KiB");
    Case c;
    while (reader.next(c)) {
      if (has_space(c.id))
        throw Error(corpus_path + ":" + std::to_string(c.line) + ": case id '" + c.id +
                    "' contains whitespace, which a TREC run cannot hold");
      if (c.id.size() + 1 > kMaxTermBytes)
        throw Error(corpus_path + ":" + std::to_string(c.line) + ": case id longer than " +
                    std::to_string(kMaxTermBytes - 1) + " bytes cannot be indexed");
      const std::string* body = &c.text;
      if (options.field == "facts") {
        if (c.facts.empty())
          ++st.empty_field;
        else
          body = &c.facts;
      }
      Xapian::Document doc;
      doc.set_data(c.id);
      doc.add_boolean_term(kIdPrefix + c.id);
      tg.set_document(doc);
      tg.index_text_without_positions(options.strip_distractors ? strip_distractors(*body)
                                                                : *body);
      db.add_document(doc);
      ++st.cases;
      if (progress) progress->update(reader.bytes_consumed() >> 10);
    }
    db.commit();
    st.terms = 0;
    for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) ++st.terms;
    db.close();
    if (progress) progress->finish(std::to_string(st.cases) + " cases");
  } catch (const Xapian::Error& e) {
    throw Error(out_dir + ": Xapian: " + e.get_description());
  }
  const auto m = manifest_of(corpus_path);
  nlohmann::json j = {{"format", "lcr-bm25/1"},
                      {"xapian", Xapian::version_string()},
                      {"corpus", {{"path", m.path}, {"bytes", m.bytes}, {"xxh64", m.xxh64}}},
                      {"field", options.field},
                      {"strip_distractors", options.strip_distractors},
                      {"cases", st.cases},
                      {"empty_field", st.empty_field},
                      {"terms", st.terms}};
  write_file_atomic(staged.path() + "/" + kManifest, j.dump(2) + "\n");
  staged.commit();
  return st;
}

struct Bm25Searcher::Impl {
  std::string dir;
  QueryMode mode = QueryMode::terms;
  Xapian::Database db;
};

Bm25Searcher::Bm25Searcher(const std::string& db_dir, QueryMode mode)
    : impl_(std::make_unique<Impl>()) {
  impl_->dir = db_dir;
  impl_->mode = mode;
  if (!std::filesystem::exists(db_dir + "/" + kManifest))
    throw Error(db_dir + ": not a BM25 index (no " + kManifest +
                "; build one with `lcr baseline bm25 index`)");
  try {
    impl_->db = Xapian::Database(db_dir);
  } catch (const Xapian::Error& e) {
    throw Error(db_dir + ": cannot open the BM25 index: " + e.get_description());
  }
}

Bm25Searcher::~Bm25Searcher() = default;

uint64_t Bm25Searcher::size() const { return impl_->db.get_doccount(); }

std::vector<eval::RunEntry> Bm25Searcher::search(const std::string& query_text, size_t k) const {
  try {
    Xapian::Enquire enquire(impl_->db);
    enquire.set_weighting_scheme(Xapian::BM25Weight());
    enquire.set_query(build_query(query_text, impl_->mode));
    auto out = collect(enquire.get_mset(0, static_cast<Xapian::doccount>(k)));
    eval::sort_trec_order(out);
    return out;
  } catch (const Xapian::Error& e) {
    throw Error(impl_->dir + ": Xapian search failed: " + e.get_description());
  }
}

std::vector<eval::RunEntry> Bm25Searcher::search_pool(const std::string& query_text,
                                                      const std::set<std::string>& pool,
                                                      uint64_t* missing) const {
  try {
    std::vector<Xapian::Query> ids;
    std::vector<std::string> indexed;
    uint64_t absent = 0;
    for (const auto& id : pool) {
      if (impl_->db.term_exists(kIdPrefix + id)) {
        ids.emplace_back(kIdPrefix + id);
        indexed.push_back(id);
      } else {
        ++absent;
      }
    }
    if (missing) *missing = absent;
    Xapian::Query filter(Xapian::Query::OP_OR, ids.begin(), ids.end());
    Xapian::Enquire enquire(impl_->db);
    enquire.set_weighting_scheme(Xapian::BM25Weight());
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER,
                                    build_query(query_text, impl_->mode), filter));
    auto out = collect(enquire.get_mset(0, static_cast<Xapian::doccount>(indexed.size())));
    std::set<std::string> matched;
    for (const auto& e : out) matched.insert(e.docid);
    for (const auto& id : indexed)
      if (!matched.count(id)) out.push_back({id, 0.0});
    eval::sort_trec_order(out);
    return out;
  } catch (const Xapian::Error& e) {
    throw Error(impl_->dir + ": Xapian search failed: " + e.get_description());
  }
}

Bm25SearchStats search_to_run(const std::string& db_dir, const std::string& queries_path,
                              const std::string& run_path, const Bm25SearchOptions& options) {
  if (options.k == 0) throw Error("--k must be at least 1");
  if (options.tag.empty() || has_space(options.tag))
    throw Error("--tag must be one word, not '" + options.tag + "'");
  Bm25Searcher searcher(db_dir, options.mode);
  eval::PairSet pools;
  const bool use_pools = !options.pools_path.empty();
  if (use_pools) pools = eval::read_pairs(options.pools_path);
  const auto queries = read_corpus(queries_path);
  auto query_text = [&](const std::string& t) {
    return options.strip_distractors ? strip_distractors(t) : t;
  };
  Bm25SearchStats st;
  std::ostringstream run;
  std::unique_ptr<Progress> progress;
  if (!options.quiet) progress = std::make_unique<Progress>("bm25 search", queries.size(), "queries");
  for (const auto& q : queries)
    if (has_space(q.id))
      throw Error(queries_path + ":" + std::to_string(q.line) + ": query id '" + q.id +
                  "' contains whitespace, which a TREC run cannot hold");
  for (const auto& q : queries) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<eval::RunEntry> ranking;
    if (use_pools) {
      auto p = pools.find(q.id);
      if (p == pools.end()) {
        ++st.queries_without_pool;
      } else {
        uint64_t missing = 0;
        ranking = searcher.search_pool(query_text(q.text), p->second, &missing);
        st.pool_ids_not_indexed += missing;
      }
    } else {
      ranking = searcher.search(query_text(q.text), options.k);
    }
    st.query_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (ranking.empty() || ranking.front().score <= 0) ++st.empty_rankings;
    eval::write_run_lines(run, q.id, ranking, options.tag);
    ++st.queries;
    if (progress) progress->update(st.queries);
  }
  write_file_atomic(run_path, run.str());
  if (progress) progress->finish();
  return st;
}

}  // namespace lcr::baseline
