#!/usr/bin/env python3
"""Tests of corpora/gen_scale.py on a small synthetic seed corpus (standard library only).

Run from the repository root:  python3 -m unittest corpora/test_gen_scale.py
or:                            python3 corpora/test_gen_scale.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "gen_scale.py")
sys.path.insert(0, HERE)
import gen_scale  # noqa: E402

CHARGES = ("盗窃罪", "诈骗罪", "故意伤害罪")
ACTS = {
    "盗窃罪": ("趁被害人不备窃取其手机一部", "采用撬锁的方式进入室内窃取现金", "在超市内窃取商品若干"),
    "诈骗罪": ("虚构投资理财项目骗取被害人钱款", "冒充客服人员骗取被害人转账", "以帮忙办事为由骗取财物"),
    "故意伤害罪": ("因琐事与被害人发生争执后持棍殴打", "酒后与被害人发生口角并拳击其面部", "持刀将被害人刺伤"),
}
NAMES = "张王李赵刘陈杨黄周吴"


def seed_case(k: int) -> tuple[dict, bool]:
    """Synthetic judgment number k (30 in all, 10 per charge); second value: facts verbatim."""
    charge = CHARGES[k % 3]
    name = NAMES[k % 10] + "某" + str(k)
    acts = ACTS[charge]
    header = (f"某省某市第{k}区人民法院 刑事判决书 （2018）某0{k:02d}刑初{100 + k}号 "
              f"公诉机关某市第{k}区人民检察院。被告人{name}，男，19{60 + k}年{1 + k % 12}月出生。"
              f"因涉嫌犯{charge}于2018年{1 + k % 12}月被刑事拘留。辩护人律师甲{k}。 ")
    facts_sents = [f"经审理查明，被告人{name}于2017年{1 + k % 12}月{1 + k % 28}日{acts[k % 3]}。"]
    for j in range(2 + k % 4):
        facts_sents.append(f"案发后第{j + 1}项情节：{name}{acts[(k + j) % 3]}，涉案价值{1000 * (k + 1) + j}元；")
    facts_sents.append(f"上述事实，有证人证言、鉴定意见及被告人{name}的供述等证据证实，足以认定。")
    facts = "".join(facts_sents)
    reasoning = (f" 本院认为，被告人{name}的行为已构成{charge}。其到案后如实供述第{k}号案件罪行，可以从轻处罚！"
                 f"辩护人关于{name}系初犯的意见本院予以采纳。 ")
    verdict = (f"依照《中华人民共和国刑法》相关条文第{k}项之规定，判决如下： 被告人{name}犯{charge}，"
               f"判处有期徒刑{1 + k % 5}年。如不服本判决，可在接到判决书的第二日起十日内提出上诉。"
               f"审判长某{k}\n二〇一八年{1 + k % 12}月{1 + k % 28}日\n书记员某{k}")
    verbatim = True
    if k == 7:       # no 本院认为 marker
        reasoning = f" 被告人{name}的行为已构成{charge}，应予惩处。 "
    if k == 11:      # no verdict marker
        verdict = f"被告人{name}犯{charge}，判处有期徒刑一年。审判长某{k}"
    text = header + facts + reasoning + verdict
    if k == 13:      # facts field not a verbatim part of text
        facts = facts.replace("，", ",", 1)
        verbatim = False
    if k == 17:      # no facts field at all
        facts = ""
        verbatim = False
    return {"id": f"seed{k}", "title": f"{name}{charge}一案", "charges": [charge],
            "facts": facts, "text": text}, verbatim


_SPLIT = re.compile(r"[^。；！？\n]*(?:[。；！？\n]+[”’」』）)\]]*|$)")


def sentences(s: str) -> list[str]:
    return [x.strip() for x in _SPLIT.findall(s) if x.strip()]


class GenScaleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gen_scale_test_")
        cls.seed_path = os.path.join(cls.tmp, "seed.jsonl")
        cls.seed = []
        with open(cls.seed_path, "w", encoding="utf-8") as f:
            for k in range(30):
                case, verbatim = seed_case(k)
                cls.seed.append((case, verbatim))
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        # Sentences each group may use in facts: the facts of its seed cases (the whole text
        # of the seed cases whose facts field cannot be located).
        cls.fact_sents: dict[str, set[str]] = {c: set() for c in CHARGES}
        for case, verbatim in cls.seed:
            src = case["facts"] if verbatim else case["text"]
            cls.fact_sents[case["charges"][0]].update(sentences(src))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_gen(self, *args, env=None) -> bytes:
        cmd = [sys.executable, SCRIPT, "--seed-corpus", self.seed_path, "--out", "-", *args]
        e = dict(os.environ)
        if env:
            e.update(env)
        res = subprocess.run(cmd, capture_output=True, env=e, check=True)
        self.assertEqual(res.stderr, b"")  # quiet when stderr is not a terminal
        return res.stdout

    def parse(self, data: bytes) -> list[dict]:
        self.assertTrue(data.endswith(b"\n"))
        out = []
        for line in data.decode("utf-8").split("\n")[:-1]:
            obj = json.loads(line)
            self.assertIsInstance(obj, dict)
            out.append(obj)
        return out

    # -----------------------------------------------------------------------------------------
    def test_deterministic_and_hash_independent(self):
        a = self.run_gen("--count", "100", "--seed", "5", env={"PYTHONHASHSEED": "1"})
        b = self.run_gen("--count", "100", "--seed", "5", env={"PYTHONHASHSEED": "2"})
        self.assertEqual(a, b)
        c = self.run_gen("--count", "100", "--seed", "6")
        self.assertNotEqual(a, c)

    def test_start_splits(self):
        whole = self.run_gen("--count", "100", "--seed", "3")
        first = self.run_gen("--count", "50", "--seed", "3")
        second = self.run_gen("--count", "50", "--start", "50", "--seed", "3")
        self.assertEqual(whole, first + second)
        ids = [c["id"] for c in self.parse(second)]
        self.assertEqual(ids[0], "s0000051")
        self.assertEqual(ids[-1], "s0000100")

    def test_file_output_and_zstd(self):
        plain = self.run_gen("--count", "40", "--seed", "9")
        path = os.path.join(self.tmp, "out.jsonl")
        subprocess.run([sys.executable, SCRIPT, "--seed-corpus", self.seed_path, "--count", "40",
                        "--seed", "9", "--out", path], check=True)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), plain)
        self.assertFalse(os.path.exists(path + ".part"))
        if shutil.which("zstd") is None:
            self.skipTest("zstd not installed")
        zpath = os.path.join(self.tmp, "out.jsonl.zst")
        subprocess.run([sys.executable, SCRIPT, "--seed-corpus", self.seed_path, "--count", "40",
                        "--seed", "9", "--zstd", "--out", zpath], check=True)
        dec = subprocess.run(["zstd", "-dc", zpath], capture_output=True, check=True).stdout
        self.assertEqual(dec, plain)

    def check_cases(self, cases: list[dict], min_chars: int, whole: bool = True):
        ids = [c["id"] for c in cases]
        self.assertEqual(len(ids), len(set(ids)))
        for c in cases:
            for field in ("id", "title", "facts", "text", "source", "seed_group"):
                self.assertIsInstance(c[field], str, field)
            self.assertRegex(c["id"], r"^s\d{7}$")
            # One seed group: a single charge of the seed corpus, named by seed_group.
            self.assertEqual(len(c["charges"]), 1)
            charge = c["charges"][0]
            self.assertIn(charge, CHARGES)
            self.assertEqual(c["seed_group"], charge)
            self.assertEqual(c["title"], charge + "一审刑事判决书")
            self.assertEqual(c["source"], "lecard-recombined")
            # facts: non-empty, a verbatim part of text, made of that group's fact sentences.
            self.assertTrue(c["facts"])
            self.assertIn(c["facts"], c["text"])
            for s in sentences(c["facts"]):
                self.assertIn(s, self.fact_sents[charge], f"{c['id']}: {s}")
            # No sentence of another group anywhere in the text.
            for other in CHARGES:
                if other != charge:
                    self.assertNotIn(other, c["text"])
            self.assertGreaterEqual(len(c["text"]), min_chars)
            if whole:
                self.assertTrue(c["text"].startswith("某省某市第"))  # a header opening

    def test_cases_default_min_chars(self):
        cases = self.parse(self.run_gen("--count", "120", "--seed", "11"))
        self.assertEqual(len(cases), 120)
        self.check_cases(cases, 1000)
        self.assertEqual({c["charges"][0] for c in cases}, set(CHARGES))

    def test_cases_short_min_and_target_mean(self):
        cases = self.parse(self.run_gen("--count", "300", "--seed", "2", "--min-chars", "300",
                                         "--target-mean-chars", "700"))
        self.check_cases(cases, 300)
        mean = sum(len(c["text"]) for c in cases) / len(cases)
        self.assertGreater(mean, 0.8 * 700)
        self.assertLess(mean, 1.2 * 700)

    def test_facts_reasoning_text(self):
        cases = self.parse(self.run_gen("--count", "60", "--seed", "4", "--min-chars", "300",
                                        "--target-mean-chars", "500",
                                        "--field-text", "facts+reasoning"))
        self.check_cases(cases, 300, whole=False)
        for c in cases:
            self.assertNotIn("刑事判决书", c["text"])   # no header
            self.assertNotIn("判决如下", c["text"])     # no verdict
            self.assertTrue(c["text"].startswith(c["facts"]))

    def test_in_process_matches_cli(self):
        model = gen_scale.Model(self.seed_path)
        gen = gen_scale.Generator(model, seed=3, min_chars=1000, target_mean_chars=2200)
        whole = self.parse(self.run_gen("--count", "100", "--seed", "3"))
        for i in (0, 37, 99):  # any case can be regenerated alone
            self.assertEqual(gen.case(i), whole[i])

    def test_split_sections(self):
        case, _ = seed_case(4)
        h, f, r, v = gen_scale.split_sections(case["text"], case["facts"])
        self.assertEqual(h + f + r + v, case["text"])
        self.assertEqual(f, case["facts"])
        self.assertTrue(r.strip().startswith("本院认为"))
        self.assertTrue(v.startswith("依照《中华人民共和国刑法》"))
        self.assertIn("判决如下", v)
        for k in (7, 11, 13, 17):  # missing markers / facts: still a tiling, facts non-empty
            case, _ = seed_case(k)
            parts = gen_scale.split_sections(case["text"], case["facts"])
            self.assertEqual("".join(parts), case["text"])
            self.assertTrue(parts[1].startswith("经审理查明"), k)
        self.assertEqual(gen_scale.split_sentences("甲。”乙；丙！\n丁"), ["甲。”", "乙；", "丙！\n", "丁"])


if __name__ == "__main__":
    unittest.main()
