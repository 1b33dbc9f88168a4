"""The Excel template and the all-or-nothing import (round trip, bad cells, conflicts, hostile files)."""
from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.scoring.helpers import make_campaign, save, sheet_url, stored_facts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(browser, campaign_id):
    response = browser.get(f"/campaigns/{campaign_id}/sheets/template.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.data))


def rows_by_id(sheet) -> dict[int, int]:
    return {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)
            if isinstance(sheet.cell(row=r, column=1).value, int)}


def upload(browser, campaign_id, book_or_bytes, name="评分表.xlsx"):
    if hasattr(book_or_bytes, "save"):
        buffer = BytesIO()
        book_or_bytes.save(buffer)
        data = buffer.getvalue()
    else:
        data = book_or_bytes
    return browser.post(f"/campaigns/{campaign_id}/sheets/import", data={"file": (BytesIO(data), name)},
                        content_type="multipart/form-data")


def test_template_is_laid_out_like_table_2(app, login):
    campaign_id, _targets = make_campaign(app, 2)
    book = download(login("reviewer"), campaign_id)
    assert book.sheetnames == ["填表说明", "凉州区", "民勤县"]
    sheet = book["凉州区"]
    assert sheet["A1"].value == "县区名称：凉州区"
    assert [sheet.cell(row=4, column=c).value for c in range(1, 7)] == ["指标编号", "一级指标", "二级指标", "三级指标",
                                                                        "满分", "赋分标准"]
    assert sheet["P2"].value == "liangzhou" and sheet.column_dimensions["P"].hidden
    rows = rows_by_id(sheet)
    assert list(rows) == [*range(1, 29), 31, 32, 33, 34]
    assert sheet[f"G{rows[16]}"].value == "由模拟申请自动计算"
    assert sheet[f"F{rows[1]}"].alignment.wrap_text
    assert sheet[f"C{rows[31]}"].value == "制度建设"
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"是,否"' in lists  # tiers are offered by their Chinese names, never the codes (issue 18)
    assert '"明确公开渠道，且有规范、明确的专门说明,专门说明不规范、不明确，最多得2分,没有公布、没有公开渠道，不得分"' in lists
    assert not any("standard" in text for text in lists)


def test_filled_template_round_trips_the_facts(app, login):
    campaign_id, (first, second) = make_campaign(app, 2)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, first, 8, {"points": "1"})
    book = download(evaluator, campaign_id)
    sheet, rows = book["凉州区"], rows_by_id(book["凉州区"])
    assert sheet[f"I{rows[8]}"].value == 1  # pre-filled with the current facts
    sheet[f"G{rows[1]}"] = "是,是,是,否,是,是,是,0.5"
    sheet[f"H{rows[5]}"], sheet[f"G{rows[5]}"] = "nonstandard", "1,2,1"
    sheet[f"I{rows[8]}"] = 2
    sheet[f"K{rows[9]}"] = "否"
    sheet[f"J{rows[10]}"], sheet[f"I{rows[10]}"] = 7, 4
    sheet[f"H{rows[25]}"], sheet[f"I{rows[25]}"] = "只有渠道未办理相关业务，最多得2分", 1.5  # as the drop-down offers it
    sheet[f"M{rows[18]}"], sheet[f"N{rows[18]}"] = 1, "三次拨打记录经复核"
    sheet[f"L{rows[9]}"] = "+86 电话核实：未公开"
    other = book["民勤县"]
    other[f"G{rows_by_id(other)[2]}"] = "1,0"
    response = upload(evaluator, campaign_id, book)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]

    facts = stored_facts(app, campaign_id, first)
    assert facts[1] == {"items": [True, True, True, False, True, True, True, 0.5]}
    assert facts[5] == {"tier": "nonstandard", "items": [True, True, True]}
    assert facts[8] == {"points": 2} and facts[10] == {"count": 7, "points": 4}
    assert facts[9]["passed"] is False and facts[25] == {"tier": "channel_only", "points": 1.5}
    assert facts[18] == {"override": {"points": 1, "reason": "三次拨打记录经复核"}}
    assert stored_facts(app, campaign_id, second) == {2: {"items": [True, False]}}
    page = evaluator.get(sheet_url(campaign_id, first)).get_data(as_text=True)
    assert "人工调整" in page

    again = download(evaluator, campaign_id)
    sheet = again["凉州区"]
    assert sheet[f"G{rows[1]}"].value == "是,是,是,否,是,是,是,0.5" and sheet[f"J{rows[10]}"].value == 7
    assert sheet[f"L{rows[9]}"].value == "'+86 电话核实：未公开"  # formulas are neutralised on export
    assert upload(evaluator, campaign_id, again).status_code == 302  # unchanged: nothing to do
    assert stored_facts(app, campaign_id, first)[9] == {"passed": False, "note": "+86 电话核实：未公开"}


def test_bad_cells_are_reported_with_sheet_and_cell_and_nothing_is_saved(app, login):
    campaign_id, _targets = make_campaign(app, 2)
    evaluator = login("evaluator")
    book = download(evaluator, campaign_id)
    sheet, rows = book["凉州区"], rows_by_id(book["凉州区"])
    sheet[f"G{rows[2]}"] = "1,1"  # valid, but the file is refused as a whole
    sheet[f"I{rows[8]}"] = "abc"
    sheet[f"J{rows[10]}"] = -1
    sheet[f"G{rows[1]}"] = "1,1,1"
    sheet[f"I{rows[9]}"] = 3
    sheet[f"M{rows[12]}"] = 2
    book["民勤县"][f"H{rows[25]}"] = "很好"
    response = upload(evaluator, campaign_id, book)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "未导入" in body
    for cell in (f"I{rows[8]}", f"J{rows[10]}", f"G{rows[1]}", f"I{rows[9]}", f"N{rows[12]}"):
        assert f"<code>{cell}</code>" in body, cell
    assert "应为数字" in body and "非负整数" in body and "应填写8项" in body and "人工调整必须填写原因" in body
    assert "不填写“分值”" in body and "档次应为以下之一" in body and "民勤县" in body
    assert stored_facts(app, campaign_id, _targets[0]) == {} and stored_facts(app, campaign_id, _targets[1]) == {}


def test_import_refuses_a_locked_sheet_and_a_stale_row(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    book = download(evaluator, campaign_id)
    rows = rows_by_id(book["凉州区"])
    save(evaluator, campaign_id, target_id, 8, {"points": "2"})  # after the download
    book["凉州区"][f"I{rows[8]}"] = 0.5
    book["凉州区"][f"I{rows[8] + 1}"] = None
    response = upload(evaluator, campaign_id, book)
    assert response.status_code == 400 and "已被他人修改" in response.get_data(as_text=True)
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 2}

    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.scoring import operations as ops

    with app.app_context():
        sheet = ops.sheet_for(db.session.get(Campaign, campaign_id), db.session.get(Target, target_id))
        sheet.status = "signed"
        db.session.commit()
    fresh = download(evaluator, campaign_id)
    fresh["凉州区"][f"I{rows[8]}"] = 1
    locked = upload(evaluator, campaign_id, fresh)
    assert locked.status_code == 400 and "已审核锁定" in locked.get_data(as_text=True)


def test_sheet_of_another_target_or_a_foreign_sheet_is_refused(app, login):
    campaign_id, _targets = make_campaign(app)
    evaluator = login("evaluator")
    book = download(evaluator, campaign_id)
    book["凉州区"]["P2"] = "nowhere"
    book.create_sheet("草稿")["A1"] = "随手记"
    body = upload(evaluator, campaign_id, book).get_data(as_text=True)
    assert "没有代码为“nowhere”的被考评对象" in body and "草稿" in body and "不是本系统下载的评分表" in body


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


MANIFEST = (b'<?xml version="1.0"?><Types><Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')


@pytest.mark.parametrize("data, message", [
    (b"just some text, renamed to .xlsx", "不是 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "另存为"),
    (b"PK\x03\x04 broken zip", "已损坏"),
    (zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "不是 Excel 工作簿"),
    (zip_bytes({"[Content_Types].xml": MANIFEST, "xl/worksheets/sheet1.xml": b"\x00" * (4 * 1024 * 1024)}), "压缩炸弹"),
    (zip_bytes({"[Content_Types].xml": MANIFEST, "xl/workbook.xml": b"<workbook/>"}), "没有评分表"),
    (zip_bytes({"[Content_Types].xml": MANIFEST, "xl/workbook.xml": b"<workbook"}), "无法读取"),
])
def test_hostile_or_wrong_files_are_refused(app, login, data, message):
    campaign_id, (target_id,) = make_campaign(app)
    response = upload(login("evaluator"), campaign_id, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert stored_facts(app, campaign_id, target_id) == {}


def test_zip_bomb_by_total_size_and_oversized_files_are_refused(app):
    from tracker.core.errors import ValidationError
    from tracker.scoring import workbook

    members = {"[Content_Types].xml": MANIFEST}
    members |= {f"xl/media/{n}.bin": bytes(range(256)) * (4 * 1024 * 10) for n in range(6)}  # 6 × 10 MB, low ratio
    with pytest.raises(ValidationError, match="解压后超过 50 MB"):
        workbook.check_archive(zip_bytes(members))
    with app.app_context(), pytest.raises(ValidationError, match="超过上传上限"):
        workbook.import_facts_workbook(None, None, BytesIO(b"x" * 2048), max_bytes=1024)


def test_upload_over_the_request_limit_is_a_clear_413(app, login, monkeypatch):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(evaluator, campaign_id, b"PK\x03\x04" + bytes(8192))
    assert response.status_code == 413 and "上限" in response.get_data(as_text=True)
    assert stored_facts(app, campaign_id, target_id) == {}


def test_missing_file_is_named(app, login):
    campaign_id, _targets = make_campaign(app)
    evaluator = login("evaluator")
    assert evaluator.get(f"/campaigns/{campaign_id}/sheets/import").status_code == 200
    response = evaluator.post(f"/campaigns/{campaign_id}/sheets/import", data={})
    assert response.status_code == 400 and "请选择要导入的 Excel 文件" in response.get_data(as_text=True)


@pytest.mark.slow  # fills a whole sheet and its workbook (1.6 s)
def test_import_refuses_a_submitted_sheet_naming_it(app, login):
    """Issue 14: while 待审核 the evaluator could keep changing scores — the Excel import included."""
    from tests.scoring.test_sheet_entry import fill_whole_sheet

    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    assert evaluator.post(f"{sheet_url(campaign_id, target_id)}/submit").status_code == 302
    before = stored_facts(app, campaign_id, target_id)
    book = download(evaluator, campaign_id)
    rows = rows_by_id(book["凉州区"])
    book["凉州区"][f"I{rows[8]}"] = 0.5
    refused = upload(evaluator, campaign_id, book)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "凉州区的评分表已提交待审核" in body and "退回" in body
    assert stored_facts(app, campaign_id, target_id) == before


def test_a_saved_tier_is_prefilled_by_its_chinese_name(app, login):
    campaign_id, (first,) = make_campaign(app, 1)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, first, 25, {"tier": "channel_only", "points": "1.5"})
    book = download(evaluator, campaign_id)
    sheet = book["凉州区"]
    assert sheet[f"H{rows_by_id(sheet)[25]}"].value == "只有渠道未办理相关业务，最多得2分"
