"""The suggestions from a letter's text (pure: no app, no OCR)."""
from __future__ import annotations

import random
import subprocess
import sys
from datetime import date

import pytest

from tracker.ocr.suggest import CHECKS, suggest

from .letters import OUTCOMES, make_letter

# Letters written apart from the corpus generator's phrasing, one per outcome.
HAND_WRITTEN = {
    "already_public": "经核实，该文件已于今年三月在本县政府门户网站的“重点领域信息公开”栏目发布，可自行查看。",
    "disclosed": "经审查，您申请的信息可以公开，本机关将该文件复印件一份邮寄给您。",
    "partially_disclosed": "其中申请的第一项内容予以公开；第二项涉及个人隐私，不予公开。",
    "withheld": "该会议纪要属于内部事务信息，根据条例第十六条，本机关决定不予公开。",
    "not_held": "经我局认真检索，没有查到您所要求的相关文件。",
    "not_responsible": "您要求公开的信息不属于本局职责范围，建议您向县交通运输局咨询。",
    "duplicate": "您所提申请与此前提出的申请内容相同，我单位已于8月5日作出答复，不再重复处理。",
    "special_law": "您申请查询的是不动产登记资料，请您依照《不动产登记资料查询暂行办法》的规定，到县不动产登记中心办理。",
    "not_an_ogi_request": "您反映的问题属于投诉举报事项，不作为政府信息公开申请处理。",
}


@pytest.mark.parametrize("outcome", list(HAND_WRITTEN))
def test_outcome_of_hand_written_letters(outcome):
    assert suggest("答复书\n张先生：\n" + HAND_WRITTEN[outcome] + "\n特此告知。").outcome == outcome


def test_the_decisive_sentence_wins_over_the_first_keyword():
    text = "我们很高兴全部答复：该信息不存在。"
    found = suggest(text)
    assert found.outcome == "not_held" and found.evidence["outcome"] == "该信息不存在。"
    assert suggest("很高兴告诉您：经研究，决定予以公开，随函附上文件一份。").outcome == "disclosed"


def test_the_quoted_request_subject_decides_nothing():
    found = suggest("您于2020年9月1日申请公开“不动产登记和行政复议案件情况”的来函收悉。经检索，该信息不存在。")
    assert found.outcome == "not_held"
    assert found.checks["special_law_referral"] is False and found.checks["remedy_notice"] is False


def test_checks_with_their_evidence():
    text = ("该信息涉及商业秘密，依据《中华人民共和国政府信息公开条例》第十五条不予公开。\n"
            "本次收取信息处理费人民币一百二十元。\n"
            "如不服本答复，可在六十日内申请行政复议，\n或在六个月内提起行政诉讼。")
    found = suggest(text)
    assert found.checks["reasons_given"] and "第十五条" in found.evidence["reasons_given"]
    assert found.checks["fee_charged"] and found.fee_amount == "120"
    assert found.checks["remedy_notice"] and "行政复议" in found.evidence["remedy_notice"]
    assert "行政诉讼" in found.evidence["remedy_notice"]  # two sentences, both shown
    no_fee = suggest("本机关不收取任何费用。只可申请行政复议。")
    assert no_fee.checks["fee_charged"] is False and no_fee.checks["remedy_notice"] is False


def test_letter_date_and_doc_number():
    text = ("天政办函【2021】第7号\n关于政府信息公开申请的答复\n根据国办函〔2020〕109号的规定，"
            "请于2021年3月30日前到本局查阅。\n天祝藏族自治县人民政府办公室\n二〇二一年三月十五日")
    found = suggest(text)
    assert found.doc_number == "天政办函〔2021〕第7号"
    assert found.letter_date == date(2021, 3, 15) and found.evidence["letter_date"] == "二〇二一年三月十五日"
    cited_only = suggest("依据《通知》（国办公开办函〔2015〕207号）办理。\n正文第二行\n正文第三行\n正文第四行")
    assert cited_only.doc_number is None
    assert suggest("2021年2月30日").letter_date is None  # no such day


def test_contract_and_empty_text():
    data = suggest("").as_json()
    assert set(data) == {"text", "outcome", "checks", "letter_date", "doc_number", "sealed", "evidence"}
    assert data["outcome"] is None and set(data["checks"]) == set(CHECKS) and data["sealed"] is None


def test_generated_wording_meets_the_goals():
    """180 letters of the corpus generator, read from their true text (the OCR is measured elsewhere)."""
    from benchmarks.ocr_bench import f1

    r = random.Random(11)
    letters = [make_letter(r, OUTCOMES[i % len(OUTCOMES)]) for i in range(180)]
    found = [suggest("\n".join(x.lines + [x.agency, x.extras["date_text"]])) for x in letters]
    assert sum(x.outcome == g.outcome for x, g in zip(letters, found)) / len(letters) >= 0.9
    for name in CHECKS:
        assert f1([(x.checks[name], g.checks[name]) for x, g in zip(letters, found)]) >= 0.9, name
    assert all(x.letter_date == g.letter_date and x.doc_number == g.doc_number for x, g in zip(letters, found))


def test_the_rules_are_pure():
    code = ("import sys, tracker.ocr.suggest, tracker.ocr.letterhead; "
            "bad = [m for m in ('flask', 'sqlalchemy', 'rapidocr', 'onnxruntime') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
