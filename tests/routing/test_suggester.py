"""The suggester on its own (no database): learned from a small generated history, cold from the remits alone,
blended, penalising returns, saying "no suggestion" rather than guessing."""

import random

import numpy as np
import pytest

from lianxi.routing.learner import LearnedModel, train
from lianxi.routing.suggest import Catalogue, Suggester
from lianxi.routing.training import evaluate, examples_from_rows

from .conftest import REMITS, appeal_text

NAMES = {"gxj": "市工业和信息化局", "rsj": "市人力资源和社会保障局", "swj": "市税务局",
         "sthj": "贵阳市生态环境局清镇分局", "wcz": "卫城镇"}
IDS = {code: i + 1 for i, code in enumerate(NAMES)}
CODES = {pk: code for code, pk in IDS.items()}

CLEAR = {
    "gxj": ("申请工业技术改造补贴", "公司去年完成技改设备投资，技改补贴至今未兑现，请协助了解专精特新政策。"),
    "rsj": ("扩产后招聘普工困难", "新生产线投产，急需招聘普工和技术工人，希望纳入招聘会，并了解职业技能培训补贴。"),
    "swj": ("增值税留抵退税迟迟未到账", "公司申请了增值税留抵退税，税务部门一直未办理，发票领用也有困难。"),
    "sthj": ("新建项目环评审批进度", "公司新建生产线需要办理环评审批和排污许可证，请问流程和时限。"),
}
NONSENSE = [("", ""), ("asdfghjkl", "qwertyuiop zxcvbnm"), ("啊啊啊", "哈哈哈哈哈哈"), ("！！！", "……？？"),
            ("今天天气", "今天天气很好，我们去公园散步吧")]


def catalogue(remits: bool = True) -> Catalogue:
    return Catalogue.build([{"id": IDS[c], "name": NAMES[c], "kind": "town" if c == "wcz" else "bureau",
                             "remit": REMITS[c] if remits else ""} for c in NAMES])


def generated(per_unit: int = 40, seed: int = 3, returns=()):
    """(examples, catalogue): per_unit appeals per unit; ``returns``: (unit that returned, unit it belongs to,
    how many) — appeals of the second unit's kind, first dispatched to the first unit and returned by it."""
    rng = random.Random(seed)
    rows, neg_rows = [], []
    t = 0.0
    for _ in range(per_unit):
        for code in NAMES:
            title, content = appeal_text(code, rng)
            rows.append((title, content, IDS[code], t))
            t += 1
    for returned_by, belongs_to, times in returns:
        for _ in range(times):
            title, content = appeal_text(belongs_to, rng)
            rows.append((title, content, IDS[belongs_to], t))
            neg_rows.append((title, content, IDS[returned_by], t))
            t += 1
    cat = catalogue()
    return examples_from_rows(rows, neg_rows, cat.places), cat


@pytest.fixture(scope="module")
def learned():
    examples, cat = generated()
    return Suggester(cat, train(examples))


def top(suggester, title, content):
    found = suggester.suggest(title, content)
    return CODES[found[0].department] if found else None


@pytest.mark.parametrize("code", list(CLEAR))
def test_clearly_worded_texts_rank_the_right_department_first(learned, code):
    found = learned.suggest(*CLEAR[code])
    assert CODES[found[0].department] == code
    assert found[0].name == NAMES[code]
    assert 0.5 < found[0].score <= 1
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert len(found) <= 5 and len({s.department for s in found}) == len(found)


@pytest.mark.parametrize("title, content", NONSENSE)
def test_no_suggestion_rather_than_a_wild_guess(learned, title, content):
    assert learned.suggest(title, content) == []


@pytest.mark.parametrize("code", list(CLEAR))
def test_cold_start_from_the_remits_alone(code):
    cold = Suggester(catalogue())
    assert top(cold, *CLEAR[code]) == code


def test_cold_start_without_remits_or_with_nonsense_says_nothing():
    assert Suggester(catalogue(remits=False)).suggest(*CLEAR["sthj"]) == []
    cold = Suggester(catalogue())
    for title, content in NONSENSE:
        assert cold.suggest(title, content) == []


def test_traditional_and_full_width_variants_get_the_same_suggestion(learned):
    simplified = learned.suggest("申请增值税留抵退税2026年", "公司申请了50万元增值税留抵退税，至今未到账，发票领用也有困难。")
    variant = learned.suggest("申請增值稅留抵退稅２０２６年", "公司申請了５０萬元增值稅留抵退稅，至今未到賬，發票領用也有困難。")
    assert CODES[simplified[0].department] == "swj"
    assert variant == simplified


def test_returned_departments_are_penalised():
    """Appeals about a 厂房租赁纠纷 were kept by 人社局 and by 工信局 alike, and 工信局 returned six more such
    appeals. Counted as negatives, the returns move these texts away from 工信局."""
    rng = random.Random(11)
    rows, t = [], 0.0
    for code in NAMES:
        for _ in range(30):
            rows.append((*appeal_text(code, rng), IDS[code], t))
            t += 1
    dispute = ("厂房租赁纠纷", "厂房租赁合同纠纷需要协调，出租方违约")
    for owner in ("rsj", "gxj") * 6:
        rows.append((*dispute, IDS[owner], t))
        t += 1
    returned = [(*dispute, IDS["gxj"], t + k) for k in range(6)]
    cat = catalogue(remits=False)  # the history alone decides
    without = Suggester(cat, train(examples_from_rows(rows, [], cat.places)))
    with_returns = Suggester(cat, train(examples_from_rows(rows, returned, cat.places)))

    def score(suggester, code):
        return {s.department: s.score for s in suggester.suggest(*dispute)}.get(IDS[code], 0.0)

    assert score(without, "gxj") == pytest.approx(score(without, "rsj"), abs=0.05)  # a tie on positives alone
    assert score(with_returns, "gxj") < score(without, "gxj") - 0.1
    assert score(with_returns, "rsj") > score(with_returns, "gxj") + 0.2


def test_a_department_that_returned_this_appeal_is_marked_down_for_it(learned):
    title, content = CLEAR["sthj"]
    plain = learned.suggest(title, content)
    marked = learned.suggest(title, content, penalties={IDS["sthj"]: 0.3})
    assert CODES[plain[0].department] == "sthj"
    assert {s.department: s.score for s in marked}.get(IDS["sthj"], 0) < plain[0].score


def test_blend_weight_grows_with_a_departments_examples():
    """w_d = n_d / (n_d + BLEND_EXAMPLES): a unit with no history is suggested from its remit alone."""
    examples, cat = generated(per_unit=30)
    keep = np.flatnonzero(examples.labels != IDS["sthj"])  # 生态环境分局 has no history yet
    model = train(examples, rows=keep)
    suggester = Suggester(cat, model)
    weights = dict(zip(cat.ids.tolist(), suggester.weight.tolist()))
    assert weights[IDS["sthj"]] == 0
    assert weights[IDS["gxj"]] == pytest.approx(30 / (30 + 30))
    assert top(suggester, *CLEAR["sthj"]) == "sthj"  # its remit still answers
    assert top(suggester, *CLEAR["rsj"]) == "rsj"


def test_a_named_town_takes_what_the_text_gives_to_towns_in_general():
    """属地: the text says the matter is local (阻工, 道路); the town's name says which town."""
    rows, t = [], 0.0
    rng = random.Random(5)
    for code in NAMES:
        for _ in range(30):
            rows.append((*appeal_text(code, rng), IDS[code], t))
            t += 1
    cat = Catalogue.build([{"id": IDS[c], "name": NAMES[c], "kind": "town" if c == "wcz" else "bureau",
                            "remit": REMITS[c]} for c in NAMES]
                          + [{"id": 99, "name": "站街镇", "kind": "town", "remit": REMITS["wcz"]}])
    suggester = Suggester(cat, train(examples_from_rows(rows, [], cat.places)))
    found = suggester.suggest("村民阻工", "我公司在站街镇的厂区门前道路被村民堵住，阻工扰企，请镇里协调。")
    assert found[0].department == 99
    assert 99 not in [s.department for s in suggester.suggest(*CLEAR["swj"])]


def test_the_model_survives_storage_unchanged(learned):
    again = Suggester(learned.catalogue, LearnedModel.from_bytes(learned.model.to_bytes()))
    for code in CLEAR:
        assert again.suggest(*CLEAR[code]) == learned.suggest(*CLEAR[code])


def test_held_out_evaluation_is_time_based_and_never_trains_on_the_test_split():
    examples, cat = generated(per_unit=40)
    report = evaluate(examples, cat, holdout=0.25, refit=False)
    m = report.metrics
    assert m["split"] == "time" and m["test_examples"] == 50 and m["train_examples"] == 150
    assert report.model.info["examples"] == 150  # the activated model is the evaluated one: the older 150
    assert 0.8 <= m["top1"] <= m["top3"] <= 1 and 0.8 <= m["macro_f1"] <= 1
    refit = evaluate(examples, cat, holdout=0.25, refit=True)
    assert refit.model.info["examples"] == 200 and refit.metrics["top1"] == m["top1"]
