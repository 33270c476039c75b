// A hand-made corpus for the training-data tests: 20 short criminal judgments, five each of
// 盗窃罪, 故意伤害罪, 诈骗罪 and 危险驾驶罪, with the names, dates, places and amounts real
// judgments carry. Also the ground truth the tests check against (who and where is named).
#pragma once

#include <string>
#include <vector>

#include "lcr/core/corpus.h"
#include "lcr/core/tokenizer.h"
#include "lcr/traindata/elements.h"
#include "test_util.h"

namespace lcr::test {

struct MiniCase {
  const char* name;
  const char* charge;
  const char* facts;
};

inline const std::vector<MiniCase>& mini_cases() {
  static const std::vector<MiniCase> cases = {
      {"张某某", "盗窃罪", "经审理查明，2018年3月12日凌晨2时许，被告人张某某在北京市朝阳区建国路某小区内，趁无人注意之机，秘密窃取被害人王某停放在楼下的电动自行车一辆，价值人民币2500元。同年3月15日，被告人张某某被公安机关抓获，如实供述了上述事实。"},
      {"李明", "盗窃罪", "经审理查明，2017年6月5日晚上，被告人李明窜至本市海淀区中关村大街一商场内，采用撬锁的手段，窃得现金人民币3000元及手机一部，经鉴定价值人民币1800元。被告人李明于次日被抓获归案。"},
      {"刘建国", "盗窃罪", "公诉机关指控，2016年11月20日15时许，被告人刘建国在王家村村民赵某家中，翻窗入户，秘密窃取金项链一条，价值人民币4200元。案发后，赃物已追回并发还被害人。"},
      {"陈某", "盗窃罪", "经审理查明，2019年1月8日，被告人陈某在上海市浦东新区世纪大道地铁站内，趁被害人孙某不备，窃得其钱包一个，内有现金人民币1500元。"},
      {"周某某", "盗窃罪", "经审理查明，2018年9月3日凌晨，被告人周某某伙同他人窜至某县某镇某村，采用撬门入室的手段，秘密窃取被害人吴某家中的电视机一台，价值人民币2200元。"},
      {"赵某", "故意伤害罪", "经审理查明，2018年5月20日22时许，被告人赵某在北京市丰台区某饭店内因琐事与被害人钱某发生争执，被告人赵某持啤酒瓶击打钱某头部，致钱某头皮裂伤。经鉴定，钱某的损伤程度为轻伤二级。"},
      {"孙建华", "故意伤害罪", "经审理查明，2017年8月14日，被告人孙建华在本市东城区和平里街道因邻里纠纷与被害人李某发生口角，继而持木棍殴打李某，致李某左前臂骨折。经法医鉴定，李某的损伤程度为轻伤一级。"},
      {"郑某", "故意伤害罪", "公诉机关指控，2016年12月1日晚上，被告人郑某在王庄村因宅基地纠纷，持刀将被害人冯某的腹部刺伤。经鉴定，冯某的损伤程度为重伤二级。"},
      {"何某某", "故意伤害罪", "经审理查明，2019年4月2日，被告人何某某在某市某区某路因停车问题与被害人许某发生争执，用拳头击打许某面部，致许某鼻骨骨折。经鉴定，许某的损伤程度为轻伤二级。"},
      {"林某", "故意伤害罪", "经审理查明，2018年10月7日凌晨1时许，被告人林某在广州市天河区体育西路一酒吧门口，因琐事与被害人高某发生争执，持砖头击打高某头部，致高某颅骨骨折。经鉴定，高某的损伤程度为轻伤一级。"},
      {"马某", "诈骗罪", "经审理查明，2018年2月至5月间，被告人马某以帮助办理工作为由，虚构其在政府部门有关系的事实，骗取被害人黄某人民币50000元。"},
      {"罗某某", "诈骗罪", "经审理查明，2017年7月，被告人罗某某通过微信冒充被害人杨某的朋友，以急需借钱为由，骗取杨某通过银行转账的人民币12000元，所得赃款被其挥霍。"},
      {"梁某", "诈骗罪", "公诉机关指控，2016年3月至2017年1月，被告人梁某在某市某区以投资理财为名，虚构高额回报的事实，骗取被害人宋某等三人共计人民币180000元。"},
      {"谢某", "诈骗罪", "经审理查明，2019年6月10日，被告人谢某在深圳市南山区科技园冒充银行工作人员，以办理信用卡提额为由，骗取被害人唐某人民币8000元。"},
      {"韩某某", "诈骗罪", "经审理查明，2018年11月，被告人韩某某以出售二手车为名，虚构车辆来源，骗取被害人曹某定金人民币30000元后逃匿。"},
      {"邓某", "危险驾驶罪", "经审理查明，2018年4月15日23时许，被告人邓某酒后驾驶小型轿车行驶至北京市西城区西直门外大街时，被执勤民警查获。经检验，邓某血液中乙醇含量为185.6mg/100ml。"},
      {"彭某某", "危险驾驶罪", "经审理查明，2017年9月22日凌晨，被告人彭某某饮酒后驾驶二轮摩托车在本市昌平区回龙观路由东向西行驶，与一辆小型汽车发生碰撞。经鉴定，彭某某血液中乙醇含量为132.4mg/100ml。"},
      {"曾某", "危险驾驶罪", "公诉机关指控，2016年5月30日21时许，被告人曾某醉酒驾驶机动车在李家村村道上行驶，被民警当场查获。经检验，其血液中乙醇含量为210mg/100ml。"},
      {"肖某", "危险驾驶罪", "经审理查明，2019年2月14日，被告人肖某酒后驾驶小型普通客车行驶至某市某区某路路口时，被公安交警查获。经鉴定，肖某血液中乙醇含量为98.3mg/100ml。"},
      {"田某", "危险驾驶罪", "经审理查明，2018年12月24日22时许，被告人田某饮酒后驾驶小型轿车行驶至杭州市西湖区文三路时被民警查获，经检验其血液中乙醇含量为156mg/100ml。"},
  };
  return cases;
}

inline std::string mini_reasoning(const std::string& name, const std::string& charge) {
  if (charge == "盗窃罪")
    return "被告人" + name + "以非法占有为目的，秘密窃取他人财物，数额较大，其行为已构成盗窃罪。";
  if (charge == "故意伤害罪")
    return "被告人" + name + "故意伤害他人身体，致一人轻伤，其行为已构成故意伤害罪。";
  if (charge == "诈骗罪")
    return "被告人" + name + "以非法占有为目的，虚构事实、隐瞒真相，骗取他人财物，数额较大，其行为已构成诈骗罪。";
  return "被告人" + name + "在道路上醉酒驾驶机动车，其行为已构成危险驾驶罪。";
}

/// The mini corpus as cases; `with_charges` false drops the labels (IDF fallback).
inline std::vector<Case> mini_corpus(bool with_charges = true) {
  std::vector<Case> out;
  int n = 0;
  for (const auto& m : mini_cases()) {
    Case c;
    c.id = "c" + std::to_string(++n);
    c.title = std::string(m.name) + m.charge + "一案";
    c.facts = m.facts;
    c.text = "北京市朝阳区人民法院刑事判决书（2019）京0105刑初" + std::to_string(100 + n) +
             "号 公诉机关北京市朝阳区人民检察院。被告人" + m.name + "，男，1985年7月3日出生。" +
             c.facts + " 本院认为，" + mini_reasoning(m.name, m.charge) +
             "被告人" + m.name + "归案后如实供述自己的罪行，可以从轻处罚。依照《中华人民共和国刑法》"
             "第六十七条之规定，判决如下：被告人" + m.name + "犯" + m.charge + "，判处有期徒刑六个月。";
    if (with_charges) c.charges = {m.charge};
    c.metadata_json = "{}";
    out.push_back(std::move(c));
  }
  return out;
}

/// Writes the corpus as JSONL.
inline void write_mini_corpus(const std::string& path, bool with_charges = true) {
  std::string jsonl;
  auto esc = [](const std::string& s) {
    std::string o;
    for (char ch : s) o += ch == '"' ? std::string("\\\"") : std::string(1, ch);
    return o;
  };
  for (const auto& c : mini_corpus(with_charges)) {
    jsonl += "{\"id\": \"" + c.id + "\", \"title\": \"" + esc(c.title) + "\", \"facts\": \"" +
             esc(c.facts) + "\", \"text\": \"" + esc(c.text) + "\", \"charges\": [";
    for (size_t i = 0; i < c.charges.size(); ++i) jsonl += (i ? ", \"" : "\"") + c.charges[i] + "\"";
    jsonl += "]}\n";
  }
  write_text(path, jsonl);
}

/// A character-level tokenizer trained on the mini corpus.
inline Tokenizer mini_tokenizer(const std::string& path) {
  std::vector<std::string> sentences;
  for (const auto& c : mini_corpus())
    for (auto& s : split_sentences(c.text)) sentences.push_back(s);
  TokenizerTrainOptions o;
  o.vocab_size = 1200;
  o.max_piece_length = 1;
  o.quiet = true;
  return Tokenizer::train_on_sentences(sentences, path, o);
}

/// Options for a corpus of 20 cases: a weak prior, a lower significance bar, and no bigram
/// cohesion (20 cases are too few to tell words from phrases); the defaults are meant for
/// thousands of cases.
inline traindata::ExtractorOptions mini_options() {
  traindata::ExtractorOptions o;
  o.min_df = 2;
  o.min_charge_cases = 3;
  o.prior_strength = 5;
  o.min_z = 1.5;
  o.min_bigram_count = 1000000;
  return o;
}

/// Names and places written in the mini corpus (ground truth: no element starts with one).
inline std::vector<std::string> mini_names_and_places() {
  std::vector<std::string> out = {"王某", "赵某", "孙某", "吴某", "钱某", "李某", "冯某", "许某",
                                  "高某", "黄某", "杨某", "宋某", "唐某", "曹某",
                                  "北京", "本市", "王家村", "上海", "某县", "某市", "王庄村",
                                  "广州", "深圳", "李家村", "杭州", "朝阳区", "海淀区", "丰台区"};
  for (const auto& m : mini_cases()) out.push_back(m.name);
  return out;
}

}  // namespace lcr::test
