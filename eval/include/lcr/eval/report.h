// Rendering an EvalResult for people (aligned text) and for programs (JSON).
#pragma once

#include <string>

#include "lcr/eval/metrics.h"

namespace lcr::eval {

/// Facts about how the run was prepared, echoed in the report.
struct ReportContext {
  std::string qrels_path, run_path, pools_path, drop_path;
  int relevant_grade = 1;
  bool all_queries = false;
  uint64_t duplicates = 0;       // duplicate run lines dropped
  uint64_t dropped = 0;          // entries removed by --drop
  uint64_t outside_pool = 0;     // entries removed by --pools
};

/// "metric  value" lines (4 decimals) after a line saying which queries were averaged;
/// with `per_query` a table with one row per query and a final `mean` row instead.
std::string format_text(const EvalResult& result, const ReportContext& ctx, bool per_query);

/// One JSON object: {"queries": N, "metrics": {"P@5": ...}, "settings": {...},
/// "counts": {...}, "per_query": [{"qid": ..., "num_relevant": ..., "P@5": ...}]}
/// ("per_query" only when asked for). Pretty-printed, full precision.
std::string format_json(const EvalResult& result, const ReportContext& ctx, bool per_query);

}  // namespace lcr::eval
