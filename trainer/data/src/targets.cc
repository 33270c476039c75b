// Per-case targets for build_training_data: imported elements (verbatim check) and the
// naive-identifier spans of the ablation.
#include "targets.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "internal.h"
#include "lcr/core/error.h"

namespace lcr::traindata::detail {

uint64_t Rng::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  return mix64(z);
}

ImportedElements read_imported_elements(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the elements to import");
  ImportedElements out;
  std::string line;
  uint64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno) + ": ";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error(where + "malformed JSON");
    }
    if (!j.is_object()) throw Error(where + "expected an object {\"id\": ..., \"elements\": [...]}");
    auto id = j.find("id");
    std::string key;
    if (id != j.end() && id->is_string()) key = id->get<std::string>();
    else if (id != j.end() && id->is_number_integer()) key = std::to_string(id->get<int64_t>());
    else throw Error(where + "missing or non-string field \"id\"");
    auto els = j.find("elements");
    if (els == j.end() || !els->is_array()) throw Error(where + "missing array field \"elements\"");
    std::vector<std::string> list;
    for (const auto& e : *els) {
      if (!e.is_string()) throw Error(where + "\"elements\" must hold strings");
      if (first_invalid_utf8(e.get_ref<const std::string&>()) != std::string::npos)
        throw Error(where + "an element is not valid UTF-8");
      list.push_back(e.get<std::string>());
    }
    if (!out.emplace(key, std::move(list)).second)
      throw Error(where + "duplicate id \"" + key + "\"");
  }
  if (in.bad()) throw Error(path + ": read error");
  return out;
}

namespace {
size_t chars_before(std::string_view s, size_t byte) {
  size_t n = 0;
  for (size_t i = 0; i < byte; ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}
}  // namespace

std::vector<Element> verbatim_elements(const Case& c, const std::vector<std::string>& imported,
                                       uint64_t& dropped) {
  std::vector<Element> out;
  for (size_t i = 0; i < imported.size(); ++i) {
    const std::string& t = imported[i];
    if (t.empty()) {
      ++dropped;
      continue;
    }
    Element e;
    e.text = t;
    e.score = static_cast<double>(imported.size() - i);  // keep the given order
    size_t at = c.text.find(t);
    if (at != std::string::npos) {
      e.field = Field::Text;
      e.char_begin = chars_before(c.text, at);
    } else if ((at = c.facts.find(t)) != std::string::npos) {
      e.field = Field::Facts;
      e.char_begin = chars_before(c.facts, at);
    } else {
      ++dropped;
      continue;
    }
    e.char_end = e.char_begin + chars_before(t, t.size());
    bool seen = false;
    for (const auto& o : out) seen |= o.text == t;
    if (!seen) out.push_back(std::move(e));
  }
  return out;
}

std::vector<Element> naive_spans(const Case& c, const std::vector<Element>& like, size_t max_chars,
                                 Rng& rng) {
  std::vector<Element> out;
  auto regions = case_regions(c, max_chars);
  size_t total = 0;
  for (const auto& r : regions) total += r.text.size();
  if (total == 0) return out;
  for (const auto& el : like) {
    const size_t len = std::max<size_t>(1, el.char_end - el.char_begin);
    for (int attempt = 0; attempt < 8; ++attempt) {
      size_t pick = rng.below(total);
      size_t ri = 0;
      while (pick >= regions[ri].text.size()) pick -= regions[ri++].text.size();
      const auto& r = regions[ri];
      if (r.text.size() < len) continue;
      const size_t b = std::min(pick, r.text.size() - len);
      std::u32string_view span = std::u32string_view(r.text).substr(b, len);
      if (span.find_first_not_of(U" \t\r\n\u3000") == std::u32string_view::npos) continue;
      Element e;
      e.text = to_utf8(span);
      e.char_begin = r.char_offset + b;
      e.char_end = e.char_begin + len;
      e.field = r.field;
      e.score = el.score;
      out.push_back(std::move(e));
      break;
    }
  }
  return out;
}

}  // namespace lcr::traindata::detail
