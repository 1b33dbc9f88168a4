"""OCR fixtures: a campaign with one letter request (members only) and rendered reply letters."""
from __future__ import annotations

import random
from datetime import date

import pytest

from .corpus import fonts_available, render
from .letters import Letter

TRAP_LINES = ["武政公开〔2020〕12号", "政府信息公开申请答复书", "张先生：",
              "您于2020年9月1日提出的关于公开“2019年不动产登记办理情况”的申请收悉。我们很高兴全部答复：该信息不存在。",
              "经检索，本机关未制作也未获取该信息。",
              "如对本答复不服，可以在收到本答复之日起六十日内申请行政复议，或者在六个月内提起行政诉讼。"]


def trap_letter(sealed: bool = True) -> Letter:
    """The letter of issue 20: a courteous first keyword, a decisive "该信息不存在"."""
    checks = {"told_route": False, "provided_or_route_and_time": False, "reasons_given": False,
              "special_law_referral": False, "remedy_notice": True, "fee_charged": False}
    return Letter(lines=list(TRAP_LINES), outcome="not_held", checks=checks, letter_date=date(2020, 9, 15),
                  doc_number="武政公开〔2020〕12号", sealed=sealed, agency="武威市人民政府办公室",
                  extras={"date_text": "2020年9月15日"})


@pytest.fixture
def letter_png(tmp_path):
    """write(letter, name, dpi=200) → the path of a PNG scan of `letter`."""
    if not fonts_available():
        pytest.skip("fonts-noto-cjk is not installed (scripts/install-browser installs it)")

    def write(letter: Letter, name: str = "letter.png", dpi: int = 200):
        path = tmp_path / name
        render(letter, random.Random(5), dpi).save(path)
        return path

    return write


@pytest.fixture
def ocr_setup(app, users):
    """A campaign (everyone in its team) with one letter request; returns the ids."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("识别测试")
        make.target(campaign, "gl", "古浪县")
        row = make.request(campaign, "mail", target="gl", owner="evaluator", submitted_at="2020-09-01T10:00:00+08:00",
                           letter={"kind": "to_other", "addressee": "王县长", "marked": "重要部署申请",
                                   "posted_on": "2020-09-01", "delivered_on": "2020-09-03", "confirmed_on": "2020-09-03"})
        db.session.commit()
        return {"campaign": campaign.id, "request": row.id}
