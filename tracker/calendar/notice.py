"""Reading a State Council holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) — pure.

The text is read as published (full- or half-width punctuation, line breaks anywhere, as pasted
from a web page). One text may hold the year's notice followed by later notices that change it —
调整…劳动节假期安排 (2019) or 延长…春节假期 (2020) — and they are applied in order, as the State
Council did. Each item reads like

    二、春节：1月24日至30日放假调休，共7天。1月19日（星期日）、2月1日（星期六）上班。

Every date is checked: it must exist, the weekday named beside it must be its weekday, and a
stated length (共N天, 放假N天) must equal the range, so a mistyped year or day is refused with
a message rather than entered into the calendar.

`plan_changes` compares a notice with a working-day calendar and lists the overrides that make
the calendar say what the notice says (nothing for a day the calendar already has right).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..law.workdays import WorkCalendar

_WEEKDAYS = "一二三四五六日"
_NUMERALS = "一二三四五六七八九十"
# A date as written in the notices: 2018年12月30日, 2月4日, or 10日 after a month already named.
_DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?"
_DATE_RE = re.compile(_DATE)
_RANGE_RE = re.compile(_DATE + r"(?:至" + _DATE + r")?")
_TITLE_RE = re.compile(r"国务院办公厅关于(调整|延长)?(\d{4})年(.{0,20}?)(?:部分节假日安排|假期安排|假期)的通知")
_DOC_NUMBER_RE = re.compile(r"国办发明电〔\d{4}〕\d+号")
_BODY_YEAR_RE = re.compile(r"现将(?:调整|延长)?(\d{4})年")
# An item starts after a full stop, a colon or a bracket, at a line start (marked by normalise), or
# wherever it reads like "二、春节：" — a pasted item that lost its full stop must not swallow the next.
_LINE = "\x1e"
_ITEM_RE = re.compile(rf"(?:^|(?<=[。:;){_LINE}])|(?=[{_NUMERALS}]{{1,3}}、[^:。]{{1,15}}:))([{_NUMERALS}]{{1,3}})、")
_PREAMBLE_RE = re.compile(r"现将\d{4}年(.{1,80}?)放假调休日期")
_EXTENSION_RE = re.compile(r"延长(\d{4})年(.{1,20}?)假期至" + _DATE)
_IN_LIEU_RE = re.compile(_DATE + "补休")
# Sentences end at a full stop, after 上班, and where a make-up date follows 共N天 with its stop lost.
_SENTENCE_RE = re.compile(r"。|(?<=上班)|(?<=天)(?=\d{1,2}月\d{1,2}日)")
_COUNT_RE = re.compile(r"(?:共|放假)(\d+)天")
_NAME_MAX = 30


class NoticeError(ValueError):
    """The text cannot be read as a holiday notice; the message (Chinese) says where and why."""


@dataclass(frozen=True)
class NoticeDay:
    date: date
    name: str


@dataclass
class _Festival:
    name: str
    days_off: set[date] = field(default_factory=set)
    makeup: set[date] = field(default_factory=set)


@dataclass(frozen=True)
class Notice:
    year: int
    holidays: tuple[NoticeDay, ...]  # every day off the notice names, weekends inside a run included
    makeup_workdays: tuple[NoticeDay, ...]  # Saturdays/Sundays worked (调休上班)
    source: str  # the 文号(s) or the title, for the overrides' note
    complete: bool  # the year's full schedule is in the text (not only a later change)

    def mentioned(self) -> set[date]:
        return {d.date for d in self.holidays} | {d.date for d in self.makeup_workdays}


# -- reading ------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Full-width punctuation to ASCII (NFKC) and every blank removed: pasted pages break lines anywhere."""
    text = unicodedata.normalize("NFKC", text).replace(_LINE, "")
    text = re.sub(rf"\n\s*(?=[{_NUMERALS}]{{1,3}}、)", _LINE, text)
    return re.sub(r"\s+", "", text)


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read the notice(s) in `text`; `year` is required only when the text does not name one."""
    flat = normalise(text)
    if not flat:
        raise NoticeError("通知内容为空")
    sections = _sections(flat)
    found = {s_year for _, s_year, _, _ in sections if s_year is not None}
    if year is None:
        if len(found) != 1:
            raise NoticeError("无法从通知中读出年份，请指定年份" if not found
                              else f"通知涉及多个年份（{'、'.join(map(str, sorted(found)))}），请分别导入")
        year = found.pop()
    elif found - {year}:
        raise NoticeError(f"通知是 {'、'.join(map(str, sorted(found)))} 年的，与指定的年份 {year} 不符")
    if not 1949 < year < 9999:
        raise NoticeError(f"年份 {year} 无效")
    festivals: list[_Festival] = []
    complete = False
    for kind, _s_year, subject, body in sections:
        if kind == "schedule":
            festivals = _schedule(body, year)
            complete = True
        elif kind == "extension":
            _extend(festivals, body, year)
        else:
            _adjust(festivals, body, year, subject)
    if not any(f.days_off or f.makeup for f in festivals):
        raise NoticeError("通知中没有找到任何放假或上班日期（应如“一、元旦：1月1日放假，共1天。”）")
    return _result(year, festivals, _source(flat, sections), complete)


def _sections(flat: str) -> list[tuple[str, int | None, str, str]]:
    """(kind, year, subject, body) per notice in the text; kind: schedule, adjust or extension."""
    titles = list(_TITLE_RE.finditer(flat))
    if not titles:
        match = _BODY_YEAR_RE.search(flat)
        kind = "extension" if _EXTENSION_RE.search(flat) else "schedule"
        return [(kind, int(match.group(1)) if match else None, "", flat)]
    sections = []
    for i, title in enumerate(titles):
        body = flat[title.end(): titles[i + 1].start() if i + 1 < len(titles) else len(flat)]
        verb, subject = title.group(1), title.group(3)
        kind = {"调整": "adjust", "延长": "extension"}.get(verb or "", "schedule")
        if not _ITEM_RE.search(body):  # a repeated headline ("…的通知，全文如下"), not a notice
            continue
        sections.append((kind, int(title.group(2)), subject, body))
    if not sections:
        raise NoticeError("通知中没有找到编号条目（如“一、元旦：…”）")
    return sections


def _items(body: str) -> list[str]:
    starts = list(_ITEM_RE.finditer(body))
    return [body[m.end(): starts[i + 1].start() if i + 1 < len(starts) else len(body)].replace(_LINE, "")
            for i, m in enumerate(starts)]


def _schedule(body: str, year: int) -> list[_Festival]:
    festivals = []
    for item in _items(body):
        festival = _item(item, year, default_name=None)
        if festival is not None:
            festivals.append(festival)
    # A festival the opening sentence lists but no item gives was lost in the paste: refuse.
    preamble = _PREAMBLE_RE.search(body)
    for name in re.split("[、和]", preamble.group(1)) if preamble else ():
        if _find(festivals, name) is None:
            raise NoticeError(f"通知开头列出了{name}，但条目中没有找到{name}的放假安排")
    return festivals


def _adjust(festivals: list[_Festival], body: str, year: int, subject: str) -> None:
    """调整…假期安排: each item replaces the named festival's days (added when it is new)."""
    for item in _items(body):
        new = _item(item, year, default_name=subject)
        if new is None:
            continue
        old = _find(festivals, new.name)
        if old is None:
            festivals.append(new)
        else:
            old.days_off, old.makeup = new.days_off, new.makeup


def _extend(festivals: list[_Festival], body: str, year: int) -> None:
    """延长…假期至D: every day from the festival's last day off to D is off; make-up days in it go."""
    for item in _items(body) or [body]:
        match = _EXTENSION_RE.search(item)
        if match is None:
            continue
        name = match.group(2)
        old = _find(festivals, name)
        if old is None or not old.days_off:
            raise NoticeError(f"延长{name}假期的通知须与当年的放假安排通知一并粘贴（需要原定的{name}假期）")
        end = _date(match.groups()[2:6], year, None, item)
        day = max(old.days_off)
        if end <= day:
            raise NoticeError(f"延长{name}假期至 {end}，早于原定假期的最后一天 {day}")
        while day < end:
            day += timedelta(days=1)
            old.days_off.add(day)
            old.makeup.discard(day)


def _find(festivals: list[_Festival], name: str) -> _Festival | None:
    return next((f for f in festivals if name in f.name.split("、") or name == f.name), None)


def _item(item: str, year: int, default_name: str | None) -> _Festival | None:
    """One numbered item; None when it names no date off (e.g. "二、各地区、各部门要…")."""
    name, sep, rest = item.partition(":")
    if not sep or len(name) > _NAME_MAX or _DATE_RE.search(name):
        name, rest = default_name or "", item
    festival = _Festival(name=name)
    for sentence in filter(None, _SENTENCE_RE.split(rest)):
        # Older notices give a day in lieu: "4月5日放假，4月7日（星期一）补休".
        festival.days_off |= {_date(m.groups()[:4], year, None, sentence) for m in _IN_LIEU_RE.finditer(sentence)}
        sentence = _IN_LIEU_RE.sub("", sentence)
        if "放假" in sentence and "鼓励" not in sentence:
            festival.days_off |= _days_off(sentence, year)
        if sentence.endswith("上班") and "起正常上班" not in sentence:
            tail = sentence[sentence.find("放假") + 1:]  # the whole sentence when it has no 放假 (find: -1)
            festival.makeup |= {_date(m.groups(), year, None, sentence) for m in _DATE_RE.finditer(tail)}
    if not (festival.days_off or festival.makeup):
        return None
    if not festival.name:
        raise NoticeError(f"条目“{item[:40]}”没有写明节日名称（应如“元旦：”）")
    return festival


def _days_off(sentence: str, year: int) -> set[date]:
    head = sentence.split("放假")[0]
    match = _RANGE_RE.search(head)
    if match is None:
        raise NoticeError(f"“{sentence[:40]}”中没有找到放假日期")
    groups = match.groups()
    first = _date(groups[:4], year, None, sentence)
    if groups[6] and not groups[0] and not groups[4] and groups[5] and (int(groups[5]), int(groups[6])) < (
            first.month, first.day):
        # "12月30日至1月1日" in the notice of the next year: the range ends in the notice's year.
        first = _date((str(year - 1), *groups[1:4]), year, None, sentence)
    last = _date(groups[4:], year, first, sentence) if groups[6] else first
    if last < first:
        raise NoticeError(f"“{sentence[:40]}”：结束日期 {last} 早于开始日期 {first}")
    days = {first + timedelta(days=k) for k in range((last - first).days + 1)}
    if "与周末连休" in sentence:
        days |= _adjacent_weekend(first, last)
    count = _COUNT_RE.search(sentence)
    if count and int(count.group(1)) != len(days):
        raise NoticeError(f"“{sentence[:40]}”：{first} 至 {last} 是 {len(days)} 天，与“共{count.group(1)}天”不符")
    return days


def _adjacent_weekend(first: date, last: date) -> set[date]:
    days = set()
    for step, start in ((-1, first), (1, last)):
        day = start + timedelta(days=step)
        while day.weekday() >= 5:
            days.add(day)
            day += timedelta(days=step)
    return days


def _date(groups, year: int, after: date | None, where: str) -> date:
    """A date from the regex groups (year, month, day, note); month/year default from `after`."""
    g_year, g_month, g_day, note = groups
    month = int(g_month) if g_month else (after.month if after else None)
    if month is None:
        raise NoticeError(f"“{where[:40]}”中的日期 {g_day}日 没有写月份")
    y = int(g_year) if g_year else (after.year if after else year)
    if after and not g_year and (month, int(g_day)) < (after.month, after.day):
        y += 1  # "12月30日至1月1日": the range runs into the next year
    if not year - 1 <= y <= year + 1:
        raise NoticeError(f"“{where[:40]}”中的 {y} 年不在通知的年份 {year} 年前后")
    try:
        result = date(y, month, int(g_day))
    except ValueError:
        raise NoticeError(f"{y}年{month}月{g_day}日不存在") from None
    _check_weekday(result, note, where)
    return result


def _check_weekday(day: date, note: str | None, where: str) -> None:
    match = re.search(r"(?:星期|周)([一二三四五六日天])", note or "")
    if match:
        named = _WEEKDAYS.index(match.group(1).replace("天", "日"))
        if named != day.weekday():
            raise NoticeError(f"“{where[:40]}”：{day} 是星期{_WEEKDAYS[day.weekday()]}，通知写的是星期{match.group(1)}")


def _source(flat: str, sections) -> str:
    numbers = list(dict.fromkeys(_DOC_NUMBER_RE.findall(flat)))
    if numbers:
        return "、".join(numbers)
    title = _TITLE_RE.search(flat)
    return title.group(0) if title else "国务院办公厅放假安排通知"


def _result(year: int, festivals: list[_Festival], source: str, complete: bool) -> Notice:
    off: dict[date, str] = {}
    makeup: dict[date, str] = {}
    for festival in festivals:
        for day in festival.days_off:
            off[day] = festival.name
        for day in festival.makeup:
            makeup[day] = f"{festival.name}（调休上班）"
    clash = sorted(set(off) & set(makeup))
    if clash:
        raise NoticeError(f"{clash[0]} 在通知中既是放假日又是上班日")
    for day in makeup:
        if day.weekday() < 5:
            raise NoticeError(f"调休上班日 {day} 是星期{_WEEKDAYS[day.weekday()]}，不是周末")
    return Notice(
        year=year,
        holidays=tuple(NoticeDay(d, off[d]) for d in sorted(off)),
        makeup_workdays=tuple(NoticeDay(d, makeup[d]) for d in sorted(makeup)),
        source=source,
        complete=complete,
    )


# -- comparing with a calendar ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One override that makes the calendar say what the notice says."""

    date: date
    working: bool
    note: str
    before: str  # the day as the calendar has it now, e.g. "工作日", "周六"

    def describe(self) -> str:
        return f"{self.date.isoformat()} {'上班' if self.working else '放假'} {self.note}（原为：{self.before}）"


def notice_scope(notice: Notice) -> list[date]:
    """The days a notice decides.

    A full notice decides its whole year and the days it names outside it (元旦 may start in
    December); late December days it does not name are left to next year's notice, which may move
    them (workdays module doc). A notice that only changes a festival decides the days it names.
    """
    named = notice.mentioned()
    if not notice.complete:
        return sorted(named)
    first, last = date(notice.year, 1, 1), date(notice.year, 12, 31)
    days = {first + timedelta(days=k) for k in range((last - first).days + 1)}
    days = {d for d in days if not (d.month == 12 and d.day >= 25)} | named
    return sorted(days)


def plan_changes(calendar: WorkCalendar, notice: Notice) -> list[Change]:
    off = {d.date: d.name for d in notice.holidays}
    makeup = {d.date: d.name for d in notice.makeup_workdays}
    changes = []
    for day in notice_scope(notice):
        if day in off:
            working, name = False, off[day]
        elif day in makeup:
            working, name = True, makeup[day]
        else:
            working, name = day.weekday() < 5, "通知未列为放假日" if day.weekday() < 5 else "通知未列为上班日"
        if calendar.is_working_day(day) != working:
            info = calendar.day_info(day)
            before = info.name or ("工作日" if info.working else "休息日")
            changes.append(Change(day, working, f"{name}（{notice.source}）"[:300], before))
    return changes
