"""The wording of generated reply letters, with the truth of each (used by corpus.py).

Each outcome has several phrasings; content clauses (route, reasons with or without the article,
special-law referral, remedy notice with or without its periods, fee or no fee) are drawn
independently, so the truth of every check varies within an outcome. Request subjects include the
words of other outcomes ("不动产登记", "行政复议") to catch rules that read the quotation.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

AGENCIES = ["武威市凉州区人民政府办公室", "民勤县自然资源局", "古浪县人民政府", "天祝藏族自治县财政局", "武威市生态环境局",
            "凉州区住房和城乡建设局", "民勤县市场监督管理局", "古浪县教育局"]
PREFIXES = ["凉政办发", "民自然资函", "古政信公", "天财公开答", "武环公开", "凉住建函", "民市监公开", "古教公开"]
SUBJECTS = ["2019年城市道路改造项目预算", "不动产登记办理情况统计", "行政复议案件办理情况", "辖区内养老机构名单",
            "2020年部门预算及三公经费", "农村危房改造补助资金发放明细", "某小区规划许可证", "学校食堂食品安全抽检结果",
            "重大建设项目批准和实施信息", "征地补偿安置方案"]
NAMES = ["张先生", "李女士", "王某某", "赵先生", "刘女士", "陈某"]
WEBSITES = [("武威市人民政府网站", "www.gsww.gov.cn"), ("凉州区人民政府门户网站", "www.liangzhou.gov.cn"),
            ("民勤县人民政府网站", "www.minqin.gov.cn"), ("古浪县政府信息公开平台", "www.gulang.gov.cn")]
CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class Letter:
    lines: list[str]
    outcome: str
    checks: dict[str, bool]
    letter_date: date
    doc_number: str | None
    sealed: bool
    red_header: bool = False
    square_stamp: bool = False
    agency: str = ""
    extras: dict = field(default_factory=dict)


def cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(d: date) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(d.year)) + f"年{cn_number(d.month)}月{cn_number(d.day)}日"


def ar_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _already_public(r: random.Random, c: dict) -> list[str]:
    site, url = r.choice(WEBSITES)
    told = r.random() < 0.75
    c["told_route"] = told
    first = r.choice([f"经查，您申请获取的信息已于{ar_date(date(2020, r.randint(1, 6), r.randint(1, 28)))}主动公开。",
                      "经审查，您所申请的信息属于已主动公开的政府信息。",
                      "您申请的信息本机关已经主动公开。"])
    if not told:
        return [first]
    return [first, r.choice([f"您可登录{site}（{url}）“政府信息公开”专栏查阅。",
                             f"请通过{site}的“法定主动公开内容”栏目获取，网址为{url}。",
                             f"您可以在{site}搜索“{r.choice(SUBJECTS)[:6]}”查看。"]),
            "根据《中华人民共和国政府信息公开条例》第三十六条第（一）项的规定，特此告知。" if r.random() < 0.5 else ""]


def _disclosed(r: random.Random, c: dict) -> list[str]:
    provided = r.random() < 0.8
    c["provided_or_route_and_time"] = provided
    decision = r.choice(["经审查，您申请的信息属于可以公开的政府信息，本机关决定予以公开。",
                         "经研究，同意公开您所申请的政府信息。",
                         "根据《中华人民共和国政府信息公开条例》第三十六条第（二）项的规定，对您申请的信息予以公开。"])
    if not provided:
        return [decision]
    day = date(2020, 10, r.randint(9, 28))
    return [decision, r.choice(["现将相关信息随函提供给您，详见附件。",
                                "随本答复书附上该信息的复印件一份，请查收。",
                                f"请您于{ar_date(day)}前（工作日上午9时至12时）到本机关档案室查阅、复制。",
                                "现将该信息以电子邮件方式发送给您。"])]


def _reasons(r: random.Random, c: dict) -> str:
    given = r.random() < 0.8
    c["reasons_given"] = given
    if not given:
        return r.choice(["经研究，决定不予公开。", "该信息不予公开。"])
    return r.choice([
        "该信息涉及第三方商业秘密，第三方不同意公开，依据《中华人民共和国政府信息公开条例》第十五条的规定，不予公开。",
        "该信息属于行政机关的内部事务信息，根据《中华人民共和国政府信息公开条例》第十六条第一款的规定，不予公开。",
        "该信息属于讨论记录、过程性信息，依据《条例》第十六条第二款，本机关决定不予公开。",
        "该信息经保密审查属于国家秘密，根据《中华人民共和国政府信息公开条例》第十四条的规定，不予公开。",
        "该信息涉及个人隐私，公开后可能对第三方合法权益造成损害，依据第十五条的规定不予公开。"])


def _withheld(r: random.Random, c: dict) -> list[str]:
    return ["经审查，现答复如下：", _reasons(r, c)]


def _partial(r: random.Random, c: dict) -> list[str]:
    c["provided_or_route_and_time"] = True
    reason = _reasons(r, c)
    return [r.choice(["经审查，您申请的信息中含有不应当公开的内容，本机关对其作区分处理。",
                      "根据《中华人民共和国政府信息公开条例》第三十七条的规定，对您申请的信息部分公开。",
                      "经审查，您申请的信息部分予以公开。"]),
            reason.replace("不予公开", "该部分不予公开") if "部分" not in reason else reason,
            r.choice(["其余内容予以公开，现随函提供给您，详见附件。", "其余部分已作技术处理，现将处理后的信息提供给您。"])]


def _not_held(r: random.Random, c: dict) -> list[str]:
    return [r.choice(["经检索，本机关未制作也未获取您所申请的信息，该信息不存在。",
                      "经查询，本机关没有您所申请公开的政府信息。",
                      "经认真查找，未找到您申请的相关信息，根据《中华人民共和国政府信息公开条例》第三十六条第（四）项，告知您该政府信息不存在。"])]


def _not_responsible(r: random.Random, c: dict) -> list[str]:
    other = r.choice(["武威市自然资源局", "凉州区教育局", "民勤县住房和城乡建设局"])
    return [r.choice([f"经审查，您申请的信息不属于本机关负责公开的范围，建议您向{other}申请，联系电话0935-0000001。",
                      f"您申请的信息由{other}负责公开，非本机关职责，请您向{other}咨询。",
                      f"根据《中华人民共和国政府信息公开条例》第三十六条第（五）项，该信息不属于本机关公开职责权限范围，负责公开的机关为{other}。"])]


def _duplicate(r: random.Random, c: dict) -> list[str]:
    return [r.choice(["您本次申请与2020年8月3日提出的申请内容相同，本机关已于2020年8月20日作出答复，不予重复处理。",
                      "经查，您重复申请公开相同的政府信息，本机关已经作出答复。根据《中华人民共和国政府信息公开条例》第三十六条第（六）项，不予重复处理。"])]


def _special_law(r: random.Random, c: dict) -> list[str]:
    referral = r.random() < 0.85
    c["special_law_referral"] = referral
    domain = r.choice([("不动产登记资料", "不动产登记中心", "《不动产登记资料查询暂行办法》"),
                       ("企业工商登记资料", "市场监督管理局登记窗口", "《中华人民共和国市场主体登记管理条例》"),
                       ("档案", "县档案馆", "《中华人民共和国档案法》")])
    first = f"您申请的信息属于{domain[0]}，有关法律、行政法规对该信息的获取有特别规定。"
    if not referral:
        return [first]
    return [first, r.choice([f"请您依照{domain[2]}的规定，向{domain[1]}申请查询。",
                             "根据《中华人民共和国政府信息公开条例》第三十六条第（七）项，请您依照有关法律、行政法规的规定办理。",
                             f"请您持有效身份证件到{domain[1]}办理查询。"])]


def _not_ogi(r: random.Random, c: dict) -> list[str]:
    return [r.choice(["您提出的是投诉举报事项，根据《中华人民共和国政府信息公开条例》第三十九条的规定，不作为政府信息公开申请处理，请通过信访渠道反映。",
                      "经审查，您的来信系咨询事项，不属于政府信息公开申请，本机关不按政府信息公开申请处理。"])]


BODIES = {"already_public": _already_public, "disclosed": _disclosed, "partially_disclosed": _partial,
          "withheld": _withheld, "not_held": _not_held, "not_responsible": _not_responsible,
          "duplicate": _duplicate, "special_law": _special_law, "not_an_ogi_request": _not_ogi}
OUTCOMES = tuple(BODIES)


def _remedy(r: random.Random, c: dict) -> list[str]:
    c["remedy_notice"] = r.random() < 0.75
    if not c["remedy_notice"]:
        return [] if r.random() < 0.6 else ["如有疑问，请与本机关联系。"]
    return [r.choice([
        "如对本答复不服，可以在收到本答复之日起六十日内向武威市人民政府申请行政复议，或者在六个月内向人民法院提起行政诉讼。",
        "若您对本告知有异议，可自收到之日起60日内依法申请行政复议，也可以在6个月内依法提起行政诉讼。",
        "申请人认为本答复侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。"])]


def _fee(r: random.Random, c: dict) -> list[str]:
    roll = r.random()
    c["fee_charged"] = roll < 0.2
    if c["fee_charged"]:
        amount = r.choice([50, 100, 200, 350])
        return [r.choice([f"根据国办函〔2020〕109号，本次申请需缴纳信息处理费人民币{amount}元。",
                          f"本机关依法收取信息处理费{amount}元，请于收到本答复之日起20个工作日内缴纳。"])]
    return ["本机关不收取任何费用。"] if roll < 0.45 else []


def make_letter(r: random.Random, outcome: str) -> Letter:
    checks = {"told_route": False, "provided_or_route_and_time": False, "reasons_given": False,
              "special_law_referral": False, "remedy_notice": False, "fee_charged": False}
    agency_index = r.randrange(len(AGENCIES))
    asked = date(2020, r.randint(3, 10), r.randint(1, 28))
    letter_day = asked + timedelta(days=r.randint(5, 25))
    number = f"{PREFIXES[agency_index]}〔{letter_day.year}〕{r.randint(1, 150)}号" if r.random() < 0.8 else None
    title = r.choice(["政府信息公开申请答复书", "关于政府信息公开申请的答复", "政府信息公开告知书"])
    opening = r.choice([f"您于{ar_date(asked)}提出的关于公开“{r.choice(SUBJECTS)}”的政府信息公开申请收悉。",
                        f"本机关于{ar_date(asked)}收到您通过信函方式提交的申请，要求公开“{r.choice(SUBJECTS)}”。",
                        f"你于{cn_date(asked)}通过互联网提交的关于“{r.choice(SUBJECTS)}”的申请，我机关已收到。"])
    if r.random() < 0.15:
        opening += "我们很高兴全部答复："
    body = [s for s in BODIES[outcome](r, checks) if s]
    lines = ([number] if number else []) + [title, r.choice(NAMES) + "：", opening, *body,
                                           *_fee(r, checks), *_remedy(r, checks), "特此告知。"]
    when = cn_date(letter_day) if r.random() < 0.4 else ar_date(letter_day)
    sealed = r.random() < 0.6
    return Letter(lines=lines, outcome=outcome, checks=checks, letter_date=letter_day, doc_number=number,
                  sealed=sealed, red_header=r.random() < 0.3, square_stamp=not sealed and r.random() < 0.3,
                  agency=AGENCIES[agency_index], extras={"date_text": when})
