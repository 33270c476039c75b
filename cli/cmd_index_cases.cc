// lcr index cases: every case holding each of many texts, in one run over an open index.
//   printf '醉酒驾驶机动车\n' | lcr index cases --index DIR
//   {"text":"醉酒驾驶机动车","tokens":7,"count":816,"cases":["41","182","206",...]}
// One JSON object a line, in input order: the text, its token count, its occurrence count,
// and the ids of the distinct cases holding it (corpus order). `lcr index locate` prints
// snippets for a few occurrences of one text; this is for tools that need the full case
// sets of many texts (bench/element_charges.py) without reopening the index per text.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "lcr/core/error.h"
#include "lcr/fmindex/index.h"

namespace po = boost::program_options;

namespace lcr::cli {
namespace {

int run_cases(const Args& args) {
  po::options_description desc("lcr index cases");
  std::string dir, file = "-";
  uint64_t max_occurrences = 0;
  bool no_ids = false;
  desc.add_options()                                                                 //
      ("index", po::value(&dir)->required(), "index directory")                      //
      ("file", po::value(&file)->default_value(file), "texts, one a line (- = stdin)")
      ("max-occurrences", po::value(&max_occurrences)->default_value(max_occurrences),
       "texts occurring more often get no case list, only \"skipped\": true (0 = no limit)")
      ("no-ids", po::bool_switch(&no_ids), "print case indices (0-based corpus order) instead "
                                           "of ids");
  po::variables_map vm;
  if (!parse_options("index cases", args, desc, vm)) return 0;
  auto idx = fm::Index::open(dir);
  std::ifstream fin;
  if (file != "-") {
    fin.open(file);
    if (!fin) throw Error(file + ": cannot open the texts file");
  }
  std::istream& in = file == "-" ? std::cin : fin;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto tokens = line.empty() ? std::vector<int32_t>{} : idx.encode(line);
    const auto s = idx.fm().find(tokens);
    nlohmann::ordered_json j = {{"text", line}, {"tokens", tokens.size()}, {"count", s.count()}};
    if (tokens.empty()) {
      j["count"] = 0;  // the empty text matches everywhere; report nothing
      j["cases"] = nlohmann::ordered_json::array();
    } else if (max_occurrences && s.count() > max_occurrences) {
      j["skipped"] = true;
    } else {
      nlohmann::ordered_json ids = nlohmann::ordered_json::array();
      for (uint32_t c : idx.fm().locate_cases(s, 0)) {
        if (no_ids)
          ids.push_back(c);
        else
          ids.push_back(idx.case_id(c));
      }
      j["cases"] = std::move(ids);
    }
    std::cout << j.dump() << "\n";
  }
  return 0;
}

LCR_COMMAND("index cases", "Every case holding each of many texts (one a line), as JSONL",
            run_cases);

}  // namespace
}  // namespace lcr::cli
