"""答复函: the formal answer to a deputy's opinion, generated from the replies of its rectification tasks once
all are answered. A .docx in the usual official-letter layout: A4 portrait, 方正小标宋/宋体 title, 仿宋 body,
the issuing office and date at the foot."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from lianxi.appeals.models import Outcome
from lianxi.appeals.workflow import State
from lianxi.core.documents import chinese_font, saved, xml_text
from lianxi.core.errors import StateConflict

from .models import Opinion
from .selectors import progress

ISSUER = "清镇市优化营商环境工作领导小组办公室"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_NUMERALS = "零一二三四五六七八九"



def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (enough for a letter's sections)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _NUMERALS[tens]}十{_NUMERALS[ones] if ones else ''}"


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def honorific(opinion: Opinion) -> str:
    return "代表" if opinion.body == Opinion.Body.NPC else "委员"


def title_of(opinion: Opinion) -> str:
    return f"关于对{opinion.deputy.display_name}{honorific(opinion)}所提《{opinion.title}》{opinion.get_kind_display()}的答复函"


def filename_of(opinion: Opinion) -> str:
    return re.sub(r'[\\/:*?"<>|]', "_", title_of(opinion)) + ".docx"


def _answer_of(task) -> tuple[str, str]:
    """(the heading's note, the answer text) of one task, from its reply (or its refusal)."""
    source = task.merged_into if task.state == State.MERGED and task.merged_into_id else task
    lead = source.lead_department.name if source.lead_department_id else ""
    if source.state == State.REJECTED:
        return "不予受理", source.reject_reason
    outcome = dict(Outcome.choices).get(source.outcome, "")
    note = "；".join(p for p in (f"主办单位：{lead}" if lead else "", f"办理结果：{outcome}" if outcome else "") if p)
    return note, source.reply or source.result


def render(opinion: Opinion, *, now: dt.datetime | None = None) -> bytes:
    """The letter; StateConflict while a task is unanswered (the letter speaks for all of them)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    state = progress(opinion)
    if not state.ready:
        raise StateConflict("整改任务尚未全部答复，答复函暂不能生成" if state.total else "尚未分解整改任务，答复函暂不能生成")
    tasks = list(opinion.appeals.select_related("lead_department", "merged_into__lead_department")
                 .order_by("created_at", "id"))
    replied = [t.replied_at for t in tasks if t.replied_at]
    issued = timezone.localtime(max(replied)).date() if replied else timezone.localdate(now)

    word = Document()
    normal = word.styles["Normal"]
    chinese_font(normal, "仿宋")
    normal.font.size = Pt(16)  # 三号仿宋, the official-letter body
    normal.paragraph_format.line_spacing = Pt(28)
    section = word.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def paragraph(text: str, *, indent: bool = True, align=None, bold: bool = False, font: str | None = None,
                  size: float | None = None):
        p = word.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)  # two characters
        if align is not None:
            p.alignment = align
        run = p.add_run(xml_text(text))
        run.bold = bold
        if font:
            chinese_font(run, font)
        if size:
            run.font.size = Pt(size)
        return p

    paragraph(title_of(opinion), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, font="宋体", size=22, bold=True)
    paragraph(f"{opinion.deputy.display_name}{honorific(opinion)}：", indent=False)
    occasion = f"在{opinion.meeting.title}中" if opinion.meeting_id else ""
    paragraph(f"您于{_date_cn(timezone.localtime(opinion.created_at).date())}{occasion}提出的《{opinion.title}》"
              f"{opinion.get_kind_display()}收悉。我市高度重视，将其分解为{len(tasks)}项整改任务交相关单位办理。"
              f"现将办理情况答复如下：")
    for number, task in enumerate(tasks, start=1):
        note, answer = _answer_of(task)
        heading = f"{chinese_ordinal(number)}、{task.title}"
        paragraph(heading + (f"（{note}）" if note else ""), font="黑体")
        for line in (answer or "").splitlines() or [""]:
            if line.strip():
                paragraph(line.strip())
    paragraph("感谢您对全市优化营商环境工作的关心和支持，欢迎继续提出宝贵意见和建议。")
    word.add_paragraph()
    paragraph(ISSUER, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(_date_cn(issued), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return saved(word)
