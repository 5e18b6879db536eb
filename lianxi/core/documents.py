"""What every printable document shares: text that XML can hold, Chinese fonts in Word, the A4 landscape
print layout of a government table in Excel."""

from __future__ import annotations

import io
import re

from docx.oxml.ns import qn
from openpyxl.worksheet.page import PageMargins

# Control characters XML 1.0 cannot hold (a user may paste them); openpyxl and python-docx refuse them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value) -> str:
    """User-typed text as a document can hold it: without XML-illegal characters, with plain line breaks."""
    return _NOT_XML.sub("", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")


def chinese_font(target, name: str) -> None:
    """Set the font of a python-docx run or style. Word picks the font of Chinese characters from w:eastAsia,
    not from the w:ascii that ``font.name`` sets."""
    target.font.name = name
    target.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def a4_landscape(ws, header_row: int, *, margins: tuple[float, float, float, float] = (0.4, 0.4, 0.6, 0.6)) -> None:
    """Print an openpyxl sheet as a government table: A4 landscape, fit to the page width, the header row
    repeated on every printed page, frozen below it on screen. ``margins``: left, right, top, bottom (inches)."""
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    left, right, top, bottom = margins
    ws.page_margins = PageMargins(left=left, right=right, top=top, bottom=bottom)
    ws.freeze_panes = f"A{header_row + 1}"


def saved(document) -> bytes:
    """An openpyxl workbook or a python-docx document, as the bytes of its file."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
