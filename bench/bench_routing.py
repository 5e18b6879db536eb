"""智能派单 benchmark: train the router on 100,000 generated appeals, report held-out accuracy and latency.

    .venv/bin/python bench/bench_routing.py                    # 100,000 appeals, 1,000 timed suggestions
    .venv/bin/python bench/bench_routing.py --appeals 20000    # a quick one

Everything happens in memory (no database): the departments are the demo's 60 units of 清镇 with their remits
(lianxi/demo/data.py), and the appeals are generated per department:

  * about half from the demo's appeal topics (title and content templates, filled with random enterprises,
    products, amounts, towns), the rest from the department's remit: its duties cut into phrases and put into
    the sentences enterprises write (“我公司位于…，…，请协助协调”), with filler sentences;
  * departments are skewed (a Zipf-like share: the busiest bureau gets ~20 times the appeals of the quietest);
  * noise and ambiguity: 15 % mention a second department's duty as well, 4 % carry a plausible but different
    department as the truth (a dispatcher's judgment call), 6 % were first dispatched to a wrong department
    that returned them (the negatives);
  * 5 % written in traditional characters, 10 % with full-width digits.

With ``--db`` it times the real thing instead: ``routing_train`` (reading the history from PostgreSQL, normalising,
training, evaluating, storing the version) on a bench database filled by gen_appeals.py, then ``suggest()``
through the process cache as the API calls it:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxi_bench_routing \
        .venv/bin/python bench/gen_appeals.py --appeals 100000 --enterprises 20000 --reset
    .venv/bin/python bench/bench_routing.py --db        # DATABASE_URL defaults to lianxi_bench_routing

(gen_appeals.py's texts are a category's topic plus filler sentences and its lead departments are drawn per
category, so its accuracy figures say little; its timings are those of a real database of that size.)

The examples are ordered by time; the newest 20 % are held out (time-based split, as ``routing_train``). It
prints held-out top-1 / top-3 accuracy and macro-F1 of the full suggester (learned model blended with the
remits, threshold and all: a text answered “no suggestion” counts as a miss), the training time (normalising
the texts included), and the latency of one suggestion (normalisation + scoring) over 1,000 held-out texts.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from _common import bench_url, percentile, setup_django  # noqa: E402

ROUTING_DB = "postgres://postgres@127.0.0.1:5432/lianxi_bench_routing"

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
INTRODUCTIONS = ["公司成立于{year}年，主要从事{product}的生产和销售，现有员工{people}人。",
                 "我公司是一家{product}企业，年产值约{amount}万元。", "企业位于{town}，主营{product}。",
                 "公司{year}年入驻{town}，目前正在扩大{product}产能。", "我们是一家小微企业，主要做{product}。",
                 "企业去年营业收入{amount}万元，纳税情况良好。"]
COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
          "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
          "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
          "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
          "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞")
OPENINGS = ["我公司", "本企业", "我单位", "公司", "我司", "我们企业"]
SITUATIONS = ["目前遇到以下问题：", "近期反映一个情况，", "现有一事需要协调：", "特向政府反映：", "",
              "经多次沟通未果，", "因生产经营需要，"]
REQUESTS = ["请协助协调解决。", "希望相关部门尽快处理。", "请给予指导和支持。", "恳请帮助解决。",
            "请相关部门尽快答复。", "盼复。", "希望得到政策支持。"]
FILLERS = ["企业目前生产经营总体正常。", "此事已影响到企业正常经营。", "员工对此意见较大。",
           "企业此前已多次电话咨询。", "该问题拖延已有一段时间。", "企业负责人非常着急。",
           "相关材料已经准备齐全。", "希望能够一次性告知办理要求。"]
TITLE_FORMS = ["关于{p}的问题", "申请{p}", "{p}办理进度咨询", "{p}相关事宜", "反映{p}问题", "请求协调{p}",
               "咨询{p}政策", "{p}迟迟未办理"]
VERBS = ["办理", "申请", "协调", "咨询", "推进"]


def remit_phrases(remit: str) -> list[str]:
    """A remit cut into duty phrases: “负责A、B和C；D” → [A, B, C, D] without the leading 负责/依法."""
    import re

    phrases = []
    for part in re.split(r"[，、；。：“”]|和|及|以及", remit):
        part = re.sub(r"^(负责|依法|统筹|牵头|协调|落实|推进|开展|组织|配合)+", "", part.strip())
        if 2 <= len(part) <= 16:
            phrases.append(part)
    return phrases or [remit[:8]]


class Generator:
    def __init__(self, seed: int):
        from lianxi.demo import data

        self.rng = random.Random(seed)
        self.data = data
        units = ([(code, name, "bureau", remit) for code, name, remit in data.BUREAUS]
                 + [(code, name, "other", remit) for code, name, _parent, remit in data.OTHER_UNITS]
                 + [(code, name, "town", data.TOWN_REMIT + note) for code, name, note in data.TOWNS]
                 + [(code, name, "park", remit) for code, name, remit in data.PARKS])
        self.departments = [{"id": i + 1, "code": code, "name": name, "kind": kind, "remit": remit}
                            for i, (code, name, kind, remit) in enumerate(units)]
        self.by_code = {d["code"]: d for d in self.departments}
        self.towns = [d for d in self.departments if d["kind"] in ("town", "park")]
        self.phrases = {d["code"]: remit_phrases(d["remit"]) for d in self.departments}
        self.topics: dict[str, list] = {}
        for topic in data.TOPICS:
            lead = topic.lead or data.CATEGORY_DEPARTMENTS[topic.category]
            self.topics.setdefault(lead, []).append(topic)
        codes = [d["code"] for d in self.departments]
        self.rng.shuffle(codes)
        # Zipf-like shares: rank r gets 1 / r**0.8.
        self.codes = codes
        self.weights = [1 / (r + 1) ** 0.8 for r in range(len(codes))]
        self.products = [p for s in data.SEGMENTS.values() for p in s.products]

    def enterprise(self) -> str:
        rng = self.rng
        return rng.choice(self.data.BRANDS) + rng.choice(["铝业", "食品", "建材", "物流", "科技", "农业开发",
                                                          "机械制造", "商贸", "药业", "文化旅游"]) + "有限公司"

    def fill(self, template: str, town: dict) -> str:
        rng = self.rng
        return template.format(
            ent=self.enterprise(), town=town["name"], year=rng.randint(2021, 2026), product=rng.choice(self.products),
            amount=rng.choice([50, 80, 120, 200, 300, 500, 800, 1200]), fine=rng.choice([2000, 5000, 10000]),
            people=rng.randrange(20, 201, 5), few=rng.randint(2, 12), days=rng.randint(15, 90),
            mu=rng.randrange(10, 151, 5), households=rng.randint(50, 600), kva=rng.choice([315, 400, 630, 1000]),
            lead="")

    def from_topic(self, code: str, town: dict) -> tuple[str, str]:
        topic = self.rng.choice(self.topics[code])
        title, content = self.fill(topic.title, town), self.fill(topic.content, town)
        if self.rng.random() < 0.5:
            content += self.rng.choice(FILLERS)
        return title, content

    def from_remit(self, code: str, town: dict) -> tuple[str, str]:
        rng = self.rng
        phrases = self.phrases[code]
        main = rng.choice(phrases)
        second = rng.choice(phrases)
        title = rng.choice(TITLE_FORMS).format(p=main)
        parts = [rng.choice(OPENINGS), f"位于{town['name']}，" if rng.random() < 0.6 else "",
                 rng.choice(SITUATIONS), f"在{main}方面", rng.choice(["遇到困难", "存在问题", "需要帮助", "有疑问"]),
                 f"，涉及{second}，" if second != main else "，"]
        if rng.random() < 0.5:
            parts.append(rng.choice(FILLERS))
        if rng.random() < 0.4:
            parts.append(f"投资约{rng.choice([50, 200, 800, 3000])}万元，")
        parts.append(rng.choice(REQUESTS))
        return title, "".join(parts)

    def appeal(self) -> dict:
        rng = self.rng
        code = rng.choices(self.codes, self.weights)[0]
        unit = self.by_code[code]
        town = unit if unit["kind"] in ("town", "park") else rng.choice(self.towns)
        use_topic = code in self.topics and rng.random() < 0.5
        title, content = self.from_topic(code, town) if use_topic else self.from_remit(code, town)
        if rng.random() < 0.5:
            content = self.fill(rng.choice(INTRODUCTIONS), town) + content
        label = code
        if rng.random() < 0.15:  # a second department's duty mentioned as well
            other = rng.choice(self.codes)
            content += f"另外，{rng.choice(self.phrases[other])}方面也需要{rng.choice(VERBS)}。"
            if rng.random() < 0.2:  # … and it is that one's after all
                label = other
        if rng.random() < 0.04:  # a judgment call: another department is the truth
            label = rng.choice(self.codes)
        if rng.random() < 0.3:  # typing slips: a few characters replaced by common ones
            chars = list(content)
            for _ in range(max(1, len(chars) // 40)):
                chars[rng.randrange(len(chars))] = rng.choice(COMMON)
            content = "".join(chars)
        returned = None
        if rng.random() < 0.06:
            wrong = [t.wrong for t in self.topics.get(code, []) if t.wrong]
            returned = rng.choice(wrong) if wrong and rng.random() < 0.5 else rng.choice(self.codes)
            if returned == label:
                returned = None
        if rng.random() < 0.05:
            import zhconv

            title, content = zhconv.convert(title, "zh-tw"), zhconv.convert(content, "zh-tw")
        if rng.random() < 0.10:
            title, content = title.translate(FULL_WIDTH), content.translate(FULL_WIDTH)
        return {"title": title, "content": content, "label": self.by_code[label]["id"],
                "returned": self.by_code[returned]["id"] if returned else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--db", action="store_true", help="time routing_train and suggest() on a bench database")
    args = parser.parse_args()
    if args.db:
        return bench_database(args)

    import django

    django.setup()
    import numpy as np

    from lianxi.routing import suggest
    from lianxi.routing.training import evaluate, examples_from_rows

    started = time.perf_counter()
    generator = Generator(args.seed)
    appeals = [generator.appeal() for _ in range(args.appeals)]
    returned = sum(a["returned"] is not None for a in appeals)
    print(f"generated {len(appeals):,} appeals for {len(generator.departments)} departments "
          f"({returned:,} returned once) in {time.perf_counter() - started:.1f} s")

    catalogue = suggest.Catalogue.build(generator.departments)
    rows = [(a["title"], a["content"], a["label"], float(i)) for i, a in enumerate(appeals)]
    neg_rows = [(a["title"], a["content"], a["returned"], float(i)) for i, a in enumerate(appeals) if a["returned"]]

    started = time.perf_counter()
    examples = examples_from_rows(rows, neg_rows, catalogue.places)
    normalise_seconds = time.perf_counter() - started
    report = evaluate(examples, catalogue, holdout=args.holdout, refit=True)
    seconds = time.perf_counter() - started
    model = report.model
    m = report.metrics
    print(f"trained in {seconds:.1f} s (normalising {normalise_seconds:.1f} s, evaluation model + "
          f"final model on all {m['examples']:,} examples and {m['negatives']:,} returns); "
          f"{model.info['features']:,} n-gram features, model {len(model.to_bytes()) / 1e6:.1f} MB")
    print(f"held-out (newest {args.holdout:.0%}, {m['test_examples']:,} appeals, time-based): "
          f"top-1 {m['top1']:.3f}  top-3 {m['top3']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
          f"answered {m['coverage']:.3f} (top-1 when answered {m['top1_answered']:.3f})")

    suggester = suggest.Suggester(catalogue, model)
    test = appeals[-args.queries:]
    suggester.suggest(test[0]["title"], test[0]["content"])  # warm-up
    latencies = []
    for a in test:
        t0 = time.perf_counter()
        suggester.suggest(a["title"], a["content"])
        latencies.append(time.perf_counter() - t0)
    ms = sorted(x * 1000 for x in latencies)
    print(f"suggestion latency over {len(ms):,} texts: p50 {np.median(ms):.2f} ms  p99 {percentile(ms, 99):.2f} ms  "
          f"max {ms[-1]:.2f} ms")


def bench_database(args) -> None:
    setup_django(bench_url(ROUTING_DB))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    import numpy as np

    from lianxi.appeals.models import Appeal
    from lianxi.routing import suggest
    from lianxi.routing.training import train_from_history

    started = time.perf_counter()
    row = train_from_history(holdout=args.holdout)
    seconds = time.perf_counter() - started
    m = row.metrics
    print(f"routing_train: {row.n_examples:,} examples, {row.n_negatives:,} returns, {row.n_departments} departments: "
          f"{seconds:.1f} s (of which normalising the texts {m['normalise_seconds']:.1f} s); "
          f"model v{row.version} {len(bytes(row.blob)) / 1e6:.1f} MB")
    print(f"held-out (newest {m['holdout']:.0%}, {m['test_examples']:,}, time-based): top-1 {m['top1']:.3f}  "
          f"top-3 {m['top3']:.3f}  macro-F1 {m['macro_f1']:.3f}  answered {m['coverage']:.3f}")
    texts = list(Appeal.objects.order_by("-id").values_list("title", "content")[: args.queries])
    suggest.forget()
    suggest.suggest(*texts[0])  # the first call loads the model (and the departments)
    latencies = []
    for title, content in texts:
        t0 = time.perf_counter()
        suggest.suggest(title, content)
        latencies.append(time.perf_counter() - t0)
    ms = sorted(x * 1000 for x in latencies)
    print(f"suggest() over {len(ms):,} texts: p50 {np.median(ms):.2f} ms  p99 {percentile(ms, 99):.2f} ms  "
          f"max {ms[-1]:.2f} ms")


if __name__ == "__main__":
    main()
