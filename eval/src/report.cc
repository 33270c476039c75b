#include "lcr/eval/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace lcr::eval {
namespace {

std::string fixed4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string averaged_note(const EvalResult& r, const ReportContext& ctx) {
  std::ostringstream os;
  os << r.queries.size() << " queries averaged (";
  if (ctx.all_queries)
    os << "every qrels query, " << r.queries_without_relevant << " without a relevant doc";
  else
    os << "qrels queries with a doc of grade >= " << ctx.relevant_grade << "; "
       << r.queries_without_relevant << " without one left out";
  os << "; " << r.queries_missing_from_run << " missing from the run, scored 0)";
  return os.str();
}

}  // namespace

std::string format_text(const EvalResult& r, const ReportContext& ctx, bool per_query) {
  std::ostringstream os;
  os << "# " << averaged_note(r, ctx) << "\n";
  if (!per_query) {
    for (size_t m = 0; m < r.metrics.size(); ++m)
      os << pad(r.metrics[m], 12) << fixed4(r.mean[m]) << "\n";
    return os.str();
  }
  size_t qw = 6;
  for (const auto& q : r.queries) qw = std::max(qw, q.qid.size() + 2);
  os << pad("qid", qw) << pad("rel", 6) << pad("ret", 7);
  for (const auto& m : r.metrics) os << pad(m, 10);
  os << "\n";
  for (const auto& q : r.queries) {
    os << pad(q.qid, qw) << pad(std::to_string(q.num_relevant), 6)
       << pad(q.in_run ? std::to_string(q.num_retrieved) : "-", 7);
    for (double v : q.values) os << pad(fixed4(v), 10);
    os << "\n";
  }
  os << pad("mean", qw) << pad("", 6) << pad("", 7);
  for (double v : r.mean) os << pad(fixed4(v), 10);
  os << "\n";
  return os.str();
}

std::string format_json(const EvalResult& r, const ReportContext& ctx, bool per_query) {
  using nlohmann::json;
  json j;
  j["queries"] = r.queries.size();
  json metrics = json::object();
  for (size_t m = 0; m < r.metrics.size(); ++m) metrics[r.metrics[m]] = r.mean[m];
  j["metrics"] = metrics;
  j["settings"] = {{"qrels", ctx.qrels_path},   {"run", ctx.run_path},
                   {"pools", ctx.pools_path},   {"drop", ctx.drop_path},
                   {"relevant_grade", ctx.relevant_grade}, {"all_queries", ctx.all_queries}};
  j["counts"] = {{"queries_without_relevant", r.queries_without_relevant},
                 {"queries_missing_from_run", r.queries_missing_from_run},
                 {"run_queries_not_in_qrels", r.run_queries_not_in_qrels},
                 {"duplicate_lines", ctx.duplicates},
                 {"dropped_pairs", ctx.dropped},
                 {"outside_pool", ctx.outside_pool}};
  if (per_query) {
    json rows = json::array();
    for (const auto& q : r.queries) {
      json row = {{"qid", q.qid},
                  {"num_relevant", q.num_relevant},
                  {"num_retrieved", q.num_retrieved},
                  {"relevant_retrieved", q.relevant_retrieved},
                  {"in_run", q.in_run}};
      for (size_t m = 0; m < r.metrics.size(); ++m) row[r.metrics[m]] = q.values[m];
      rows.push_back(row);
    }
    j["per_query"] = rows;
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace lcr::eval
