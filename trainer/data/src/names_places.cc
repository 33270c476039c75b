// Names, places and organisations: the recognisers that need word lists and context.
#include <algorithm>
#include <cctype>

#include "pattern_detail.h"

namespace lcr::traindata::patterns {

// ---------------------------------------------------------------- names
constexpr View kSurnames =
    U"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    U"苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    U"毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    U"焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    U"房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    U"应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";
constexpr std::array<View, 12> kCompoundSurnames = {U"欧阳", U"司马", U"诸葛", U"上官", U"东方",
                                                    U"皇甫", U"尉迟", U"公孙", U"慕容", U"令狐",
                                                    U"司徒", U"夏侯"};
constexpr std::array<View, 27> kRoles = {
    U"原审被告人", U"犯罪嫌疑人", U"被告人", U"被害人", U"受害人", U"证人", U"同案人", U"同案犯",
    U"上诉人", U"被上诉人", U"自诉人", U"报案人", U"辩护人", U"嫌疑人", U"罪犯", U"审判长",
    U"审判员", U"人民陪审员", U"陪审员", U"书记员", U"法官助理", U"代理审判员", U"民警",
    U"被告", U"被害", U"同伙", U"证明人"};
// Characters that usually follow a name rather than belong to it.
constexpr View kAfterName =
    U"在于的将与和及等系因到从被把对为驾持伙以已又也便就即后时还并均称说拿给向用经所先再曾趁遂随"
    U"自多一同明知携各至来去回让叫要没未不无是有见打骗盗窃抢利租购贩卖开乘拨男女供辩出进入离逃窜"
    U"家身手妻夫父母子儿哥姐弟妹某甲乙丙丁人骑走跑拉抱偷欠借驶酒醉吸容非故意伙住共签收付找约";
// Characters that, right after a role word, start a phrase rather than a name.
constexpr View kNotNameStart =
    U"于向和与及对从在将把被为以因由经同跟给让到至自就即并又也还都均仍已曾便才只亦所其之该此等时"
    U"全一不无是有系后前每各多共";
constexpr std::array<View, 12> kNotNames = {U"陈述", U"何时", U"何处", U"方面", U"方式", U"方法",
                                            U"明知", U"高速", U"金额", U"程度", U"安全", U"车辆"};
constexpr View kPlaceSuffixChars = U"省市县区镇乡村路街巷屯";

// The X某 form at p (张某, 李某某, 王某1, 杨某2焱, 陈某锋): its end, or p when none.
static size_t anonymised_name(View t, size_t p, bool any_surname) {
  if (p + 1 >= t.size() || t[p + 1] != U'某' || !is_cjk(t[p]) || t[p] == U'某') return p;
  // Any character before 某某 or 某 + digit (勾某某, 禤某1); a common surname before a lone 某.
  const bool strong = p + 2 < t.size() && (t[p + 2] == U'某' || is_arabic_digit(t[p + 2]));
  if (in(kPlaceSuffixChars, t[p]) || (!any_surname && !in(kSurnames, t[p]) && !(strong && !in(kNotNameStart, t[p]))))
    return p;
  size_t e = p + 2;
  while (e < t.size() && t[e] == U'某') ++e;
  if (e < t.size() && (in(kPlaceSuffixChars, t[e]) || in(U"公单处地日月年时", t[e]))) return p;
  while (e < t.size() && is_arabic_digit(t[e])) ++e;
  if (e < t.size() && is_cjk(t[e]) && !in(kAfterName, t[e]) && !in(kPlaceSuffixChars, t[e]) &&
      count(t, t.substr(p, e + 1 - p)) >= 2)
    ++e;
  return e;
}

// A plain name (surname + one or two characters) at q after a role word; its end or q.
static size_t plain_name(View t, size_t q) {
  size_t base = 0;
  for (View s : kCompoundSurnames)
    if (at(t, q, s)) base = 2;
  if (base == 0) {
    if (q >= t.size() || !in(kSurnames, t[q]) || in(kNotNameStart, t[q])) return q;
    base = 1;
  }
  if (q + base >= t.size() || !is_cjk(t[q + base]) || in(kAfterName, t[q + base])) return q;
  for (View w : kNotNames)
    if (at(t, q, w)) return q;
  size_t len = base + 1;
  const size_t third = q + base + 1;
  if (third < t.size() && is_cjk(t[third]) && !in(kAfterName, t[third]) &&
      !in(kPlaceSuffixChars, t[third])) {
    const size_t longer = count(t, t.substr(q, len + 1)), shorter = count(t, t.substr(q, len));
    if (2 * longer >= shorter) ++len;
  }
  return q + len;
}

void find_names(View t, std::vector<PatternSpan>& out) {
  std::vector<std::u32string> lexicon;
  for (size_t p = 0; p < t.size(); ++p) {
    size_t e = anonymised_name(t, p, false);
    if (e > p) {
      out.push_back({PatternKind::Name, p, e});
      p = e - 1;
      continue;
    }
    size_t r = match_any(t, p, kRoles);
    if (r == 0) continue;
    size_t q = p + r;
    for (bool first = true;; first = false) {  // 被告人刘月、叶勇、周文发
      size_t end = anonymised_name(t, q, true);
      if (end == q) {
        end = plain_name(t, q);
        if (end > q && !first && end < t.size() && !in(U"、，,。等（(均的及和与被在", t[end]))
          end = q;
        if (end > q) lexicon.emplace_back(t.substr(q, end - q));
      }
      if (end == q) break;
      out.push_back({PatternKind::Name, q, end});
      p = end - 1;
      if (end + 1 >= t.size() || t[end] != U'、') break;
      q = end + 1;
    }
  }
  // 甲, 乙, 丙, 丁 standing for people (甲被带到医院), not in chemistry (甲基苯丙胺, 乙醇).
  for (size_t p = 0; p < t.size(); ++p) {
    if (!in(U"甲乙丙丁", t[p])) continue;
    if (p + 1 < t.size() && in(U"基醇烷酯类级酮胺醛酸苯烯炔二肝型醚方", t[p + 1])) continue;
    if (p > 0 && (in(U"苯基氯甲乙丙丁", t[p - 1]))) continue;
    out.push_back({PatternKind::Name, p, p + 1});
  }
  std::sort(lexicon.begin(), lexicon.end());
  lexicon.erase(std::unique(lexicon.begin(), lexicon.end()), lexicon.end());
  for (const auto& name : lexicon)
    for (size_t p = t.find(name); p != View::npos; p = t.find(name, p + name.size()))
      out.push_back({PatternKind::Name, p, p + name.size()});
}

// ---------------------------------------------------------------- places
constexpr std::array<View, 18> kPlaceSuffixes = {
    U"小区", U"大道", U"大街", U"大厦", U"广场", U"花园", U"公寓", U"社区", U"街道", U"酒店",
    U"宾馆", U"饭店", U"网吧", U"商场", U"超市", U"市场", U"公园", U"车站"};
// Two-character words whose last character is a place suffix but that name no place.
constexpr std::array<View, 26> kGenericPlaces = {
    U"道路", U"公路", U"马路", U"铁路", U"城市", U"都市", U"地区", U"辖区", U"山区", U"市区",
    U"城区", U"郊区", U"景区", U"农村", U"乡村", U"山村", U"线路", U"出路", U"网络", U"街区",
    U"门路", U"陆路", U"水路", U"小路", U"乡镇", U"城镇"};
constexpr std::array<View, 12> kNotSuffixWords = {U"市民", U"市值", U"市价", U"市政", U"区别",
                                                  U"区分", U"区域", U"路线", U"路费", U"路过",
                                                  U"路途", U"村民"};
constexpr View kPlaceStop =
    U"在于至到从往去回来住的将和与及对把被向经由离出进入返位赴抵驶逃窜送带拉载是系为即并后时等了过"
    U"途沿自租居户籍生前窃盗抢骗驾开打停走跑运携持搭乘坐给让往地";
constexpr View kPlaceDeictic = U"本该某我同其";

// Provinces and big cities, named without their suffix (济南, 广东).
constexpr std::array<View, 110> kGazetteer = {
    U"北京", U"天津", U"上海", U"重庆", U"河北", U"山西", U"辽宁", U"吉林", U"黑龙江", U"江苏",
    U"浙江", U"安徽", U"福建", U"江西", U"山东", U"河南", U"湖北", U"湖南", U"广东", U"海南",
    U"四川", U"贵州", U"云南", U"陕西", U"甘肃", U"青海", U"台湾", U"内蒙古", U"广西", U"西藏",
    U"宁夏", U"新疆", U"香港", U"澳门", U"石家庄", U"太原", U"沈阳", U"长春", U"哈尔滨", U"南京",
    U"杭州", U"合肥", U"福州", U"南昌", U"济南", U"郑州", U"武汉", U"长沙", U"广州", U"海口",
    U"成都", U"贵阳", U"昆明", U"西安", U"兰州", U"西宁", U"呼和浩特", U"南宁", U"拉萨", U"银川",
    U"乌鲁木齐", U"深圳", U"苏州", U"温州", U"宁波", U"厦门", U"青岛", U"大连", U"东莞", U"佛山",
    U"无锡", U"济宁", U"泉州", U"烟台", U"徐州", U"常州", U"南通", U"绍兴", U"台州", U"嘉兴",
    U"金华", U"惠州", U"珠海", U"汕头", U"湛江", U"洛阳", U"唐山", U"邯郸", U"潍坊", U"临沂",
    U"淄博", U"赣州", U"九江", U"柳州", U"桂林", U"绵阳", U"宜昌", U"襄阳", U"岳阳", U"株洲",
    U"衡阳", U"遵义", U"大理", U"丽江", U"三亚", U"威海", U"日照", U"聊城", U"菏泽", U"枣庄"};

void find_places(View t, std::vector<PatternSpan>& out) {
  for (size_t p = 0; p < t.size(); ++p)
    if (size_t w = match_any(t, p, kGazetteer)) {
      out.push_back({PatternKind::Place, p, p + w});
      p += w - 1;
    }
  for (size_t s = 0; s < t.size(); ++s) {
    size_t w = match_any(t, s, kPlaceSuffixes);
    if (w == 0 && in(kPlaceSuffixChars, t[s])) w = 1;
    if (w > 0 && w == 1 && (match_any(t, s, kNotSuffixWords) || (s > 0 && match_any(t, s - 1, kGenericPlaces) == 2)))
      w = 0;
    if (w > 0) {
      size_t j = s;
      while (j > 0 && s - j < 8 && (is_cjk(t[j - 1]) || is_arabic_digit(t[j - 1]))) {
        const char32_t c = t[j - 1];
        if (in(kPlaceDeictic, c)) {
          --j;
          break;
        }
        if (in(kPlaceStop, c)) break;
        --j;
      }
      bool anchored = s - j >= 1 && in(kPlaceDeictic, t[j]);
      for (size_t k = j; k < s && !anchored; ++k)
        anchored = in(kPlaceSuffixChars, t[k]) || is_arabic_digit(t[k]);
      anchored |= w > 1 || (j > 0 && in(U"在于至到从往住经沿抵赴位由自离", t[j - 1])) ||
                  (s + w < t.size() && in(U"内外上附近一带境处路口门段旁边交人籍辖", t[s + w]));
      if (anchored && (s - j >= 2 || (s - j == 1 && in(kPlaceDeictic, t[j])))) {
        out.push_back({PatternKind::Place, j, s + w});
        s += w - 1;
        continue;
      }
    }
    if (is_arabic_digit(t[s]) && (s == 0 || !is_arabic_digit(t[s - 1]))) {  // 8号, 1805室
      size_t e = s;
      while (e < t.size() && is_arabic_digit(t[e])) ++e;
      if (size_t u = match_any(t, e, std::array<View, 7>{U"号", U"室", U"幢", U"栋", U"楼",
                                                          U"单元", U"弄"})) {
        out.push_back({PatternKind::Place, s, e + u});
        s = e + u - 1;
      }
    }
  }
}


// ---------------------------------------------------------------- organisations
constexpr std::array<View, 24> kOrganizations = {
    U"股份有限公司", U"有限责任公司", U"有限公司", U"分公司", U"公司", U"集团", U"工厂", U"厂",
    U"商行", U"商店", U"门市部", U"经营部", U"工作室", U"合作社", U"支行", U"分行", U"银行",
    U"信用社", U"事务所", U"研究所", U"中心", U"医院", U"学校", U"协会"};

void find_organizations(View t, std::vector<PatternSpan>& out) {
  for (size_t p = 0; p < t.size(); ++p) {
    const size_t w = match_any(t, p, kOrganizations);
    if (w == 0) continue;
    size_t b = p;
    while (b > 0 && p - b < 16 && (is_cjk(t[b - 1]) || is_arabic_digit(t[b - 1]) ||
                                   (t[b - 1] < 0x80 && std::isalpha(static_cast<int>(t[b - 1]))))) {
      if (in(kPlaceDeictic, t[b - 1])) {
        --b;
        break;
      }
      if (in(kInstitutionStop, t[b - 1])) break;
      --b;
    }
    if (p - b >= 2 || (p - b == 1 && in(kPlaceDeictic, t[b]))) out.push_back({PatternKind::Organization, b, p + w});
    p += w - 1;
  }
}

}  // namespace lcr::traindata::patterns
