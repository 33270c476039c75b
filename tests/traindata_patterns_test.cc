// The recognisers of lcr/traindata/legal_patterns.h on hand-written examples.
#include <gtest/gtest.h>

#include "lcr/traindata/legal_patterns.h"

namespace lcr::traindata {
namespace {

// The text of every span of `kind`, in order.
std::vector<std::string> spans(const std::string& text, PatternKind kind) {
  const std::u32string t = to_u32(text);
  std::vector<std::string> out;
  for (const auto& s : find_patterns(t))
    if (s.kind == kind) out.push_back(to_utf8(t.substr(s.begin, s.end - s.begin)));
  return out;
}

using V = std::vector<std::string>;

TEST(TraindataPatterns, Utf8RoundTripAndBadBytes) {
  const std::string s = "被告人张某某，A1😀";
  EXPECT_EQ(to_utf8(to_u32(s)), s);
  EXPECT_EQ(to_u32(s).size(), 10u);
  EXPECT_EQ(to_u32(std::string("a\xff" "b")), std::u32string(U"a\uFFFDb"));
  EXPECT_TRUE(is_clause_break(U'，'));
  EXPECT_FALSE(is_clause_break(U'.', U'3', U'5'));  // 0.35
  EXPECT_TRUE(is_clause_break(U'.', U'元', U'他'));
}

TEST(TraindataPatterns, Dates) {
  EXPECT_EQ(spans("2015年3月12日21时许，被告人", PatternKind::Date), V{"2015年3月12日21时许"});
  EXPECT_EQ(spans("同年3月许，被告人", PatternKind::Date), V{"同年3月许"});
  EXPECT_EQ(spans("于凌晨2时许窜至", PatternKind::Date), V{"凌晨2时许"});
  EXPECT_EQ(spans("二〇一八年九月十八日", PatternKind::Date), V{"二〇一八年九月十八日"});
  EXPECT_EQ(spans("案发当晚，被告人", PatternKind::Date), V{"当晚"});
  EXPECT_EQ(spans("2017年2、3月份以来", PatternKind::Date), V{"2017年2、3月份以来"});
  EXPECT_EQ(spans("于2015-03-12到案", PatternKind::Date), V{"2015-03-12"});
  // Durations and counts are not dates.
  EXPECT_EQ(spans("判处有期徒刑三年，缓刑三年", PatternKind::Date), V{});
  EXPECT_EQ(spans("盗窃3次，羁押一日折抵刑期一日", PatternKind::Date), V{});
}

TEST(TraindataPatterns, Names) {
  EXPECT_EQ(spans("被告人张某某伙同被害人王某1", PatternKind::Name), (V{"张某某", "王某1"}));
  EXPECT_EQ(spans("证人罗某、谢某、李某的证言", PatternKind::Name), (V{"罗某", "谢某", "李某"}));
  EXPECT_EQ(spans("勾某某伙同禤某1盗窃", PatternKind::Name), (V{"勾某某", "禤某1"}));
  // A real name after a role word, and its other mentions.
  EXPECT_EQ(spans("被告人应国平驾驶货车。应国平当场报警", PatternKind::Name), (V{"应国平", "应国平"}));
  EXPECT_EQ(spans("被告人刘月、叶勇、周文发等人加入", PatternKind::Name), (V{"刘月", "叶勇", "周文发"}));
  EXPECT_EQ(spans("被告人王强在超市内", PatternKind::Name), V{"王强"});
  // Role words followed by something else.
  EXPECT_EQ(spans("被告人供述和辩解，被害人陈述", PatternKind::Name), V{});
  EXPECT_EQ(spans("被告人于2017年到案，被告人明知是毒品", PatternKind::Name), V{});
  EXPECT_EQ(spans("秘密窃取他人财物，数额较大", PatternKind::Name), V{});
  // 甲 and 乙 for people, not in chemistry.
  EXPECT_EQ(spans("甲被带到医院抽血，检出甲基苯丙胺，乙醇含量", PatternKind::Name), V{"甲"});
}

TEST(TraindataPatterns, Places) {
  EXPECT_EQ(spans("在某市某区某路附近", PatternKind::Place), V{"某市某区某路"});
  EXPECT_EQ(spans("在建国路某小区内", PatternKind::Place), V{"建国路某小区"});
  EXPECT_EQ(spans("在本市青山湖区冶金大道由北向南行驶", PatternKind::Place), V{"本市青山湖区冶金大道"});
  EXPECT_EQ(spans("窜至王家村村民家中", PatternKind::Place), V{"王家村"});
  EXPECT_EQ(spans("住北京市朝阳区建国路8号", PatternKind::Place), V{"北京市朝阳区建国路8号"});
  EXPECT_EQ(spans("户籍地湖南省长沙县人", PatternKind::Place), V{"湖南省长沙县"});
  EXPECT_EQ(spans("到济宁找了几家贷款公司", PatternKind::Place), V{"济宁"});
  // Generic words are no places.
  EXPECT_EQ(spans("在道路上醉酒驾驶机动车", PatternKind::Place), V{});
  EXPECT_EQ(spans("在超市内盗窃，城市公路", PatternKind::Place), V{});
  EXPECT_EQ(spans("实施套路贷，区别于", PatternKind::Place), V{});
}

TEST(TraindataPatterns, Amounts) {
  EXPECT_EQ(spans("窃得现金人民币3000元及手机", PatternKind::Amount), V{"人民币3000元"});
  EXPECT_EQ(spans("共计1.2万余元", PatternKind::Amount), V{"1.2万余元"});
  EXPECT_EQ(spans("净重0.03克，检出海洛因", PatternKind::Amount), V{"0.03克"});
  EXPECT_EQ(spans("乙醇含量为185.6mg/100ml", PatternKind::Amount), V{"185.6mg/100ml"});
  EXPECT_EQ(spans("并处罚金一千元", PatternKind::Amount), V{"一千元"});
  EXPECT_EQ(spans("一块手表，统一管理", PatternKind::Amount), V{});
}

TEST(TraindataPatterns, CaseNumbersAndCourts) {
  EXPECT_EQ(spans("刑事判决书（2018）赣0111刑初123号 公诉机关", PatternKind::CaseNumber),
            V{"（2018）赣0111刑初123号"});
  EXPECT_EQ(spans("以赣检公诉刑诉〔2018〕12号起诉书指控", PatternKind::CaseNumber),
            V{"赣检公诉刑诉〔2018〕12号"});
  EXPECT_EQ(spans("向江西省南昌市中级人民法院提出上诉", PatternKind::Court),
            V{"江西省南昌市中级人民法院"});
  EXPECT_EQ(spans("被告人到某派出所投案", PatternKind::Court), V{"某派出所"});
  EXPECT_EQ(spans("在中国建设银行深圳双龙支行取款", PatternKind::Organization),
            V{"中国建设银行深圳双龙支行"});
  EXPECT_EQ(spans("与济南霖泓汽车销售有限公司签订合同，在银行取款", PatternKind::Organization),
            V{"济南霖泓汽车销售有限公司"});
}

TEST(TraindataPatterns, MaskPaintsEverySpanAndStrongerKindsWin) {
  const std::u32string t = to_u32("2018年3月12日，被告人张某在某市某区窃得人民币500元。");
  const auto mask = pattern_mask(t);
  ASSERT_EQ(mask.size(), t.size());
  EXPECT_EQ(mask[0], PatternKind::Date);
  EXPECT_EQ(mask[t.find(U'张')], PatternKind::Name);
  EXPECT_EQ(mask[t.find(U"某市")], PatternKind::Place);
  EXPECT_EQ(mask[t.find(U"人民币")], PatternKind::Amount);
  EXPECT_EQ(mask[t.find(U"窃得")], PatternKind::None);
  // Spans never overlap and come sorted.
  const auto all = find_patterns(t);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i - 1].end, all[i].begin);
  EXPECT_STREQ(pattern_kind_name(PatternKind::CaseNumber), "case-number");
  EXPECT_STREQ(pattern_kind_name(PatternKind::Organization), "organization");
}

TEST(TraindataPatterns, AnonymiseReplacesIdentifyingDetailsAndKeepsActsAndAmounts) {
  // Worked by hand: the date, the name, the place and the court become placeholders, the
  // case number and the short parenthetical go, the amount and the act stay.
  EXPECT_EQ(anonymise("2015年3月12日21时许，被告人张某某（另案处理）在某市某区某路盗窃人民币3000元。"),
            "某日，被告人某人在某地盗窃人民币3000元。");
  EXPECT_EQ(anonymise("（2018）赣0111刑初123号南昌市青山湖区人民法院审理"), "某机关审理");
  // A placeholder right after the same one is written once; different ones both stay.
  EXPECT_EQ(anonymise("证人罗某、谢某的证言"), "证人某人、某人的证言");
  // Nothing to replace: the text comes back as it is; a long parenthetical stays.
  const std::string plain = "秘密窃取他人财物（价值经鉴定为较大数额的财物，共计四件贵重物品）";
  EXPECT_EQ(anonymise(plain), plain);
  EXPECT_EQ(anonymise(""), "");
  // The range form anonymises only [begin, end).
  const std::u32string t = to_u32("张某某盗窃。李某某抢劫。");
  EXPECT_EQ(to_utf8(anonymise(t, pattern_mask(t), 6, t.size())), "某人抢劫。");
}

// A query part is anonymised with the names the whole query introduces: alone, a bare 张三
// is no name; as a part of a query that says 被告人张三 it is.
TEST(TraindataPatterns, AnonymiseInContextReplacesNamesTheContextIntroduces) {
  const std::string whole = "被告人张三在超市盗窃人民币500元。张三称其不知情。";
  const std::string part = "张三称其不知情。";
  EXPECT_EQ(anonymise(part), part);
  EXPECT_EQ(anonymise(part, whole), "某人称其不知情。");
  // The whole in its own context is the whole anonymised.
  EXPECT_EQ(anonymise(whole, whole), anonymise(whole));
  EXPECT_EQ(anonymise(whole), "被告人某人在超市盗窃人民币500元。某人称其不知情。");
  // A context that names nobody changes nothing.
  EXPECT_EQ(anonymise(part, "在超市盗窃人民币500元。"), part);
}

}  // namespace
}  // namespace lcr::traindata
