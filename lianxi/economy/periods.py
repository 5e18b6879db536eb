"""Quarters (统计期间): how they are written in spreadsheets and shown on pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_YEAR, MAX_YEAR = 2000, 2100
CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}

# After NFKC folding, spaces removed and upper-cased: 2026Q3, 2026-Q3, 2026/Q3, 2026年Q3, 2026年第3季度,
# 2026年3季度, 2026年第三季度, 2026年度第3季度. A bare "20263" or "2026-3" (a month?) is not a quarter.
_PERIOD = re.compile(r"(\d{4})(?:年度?|[-/.])?(?:第?([1-4一二三四])季度|Q([1-4]))")
_YEAR = re.compile(r"(\d{4})(?:年度?)?")
_QUARTER = re.compile(r"第?([1-4一二三四])(?:季度)?|Q([1-4])")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度"

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    def shifted(self, quarters: int) -> Period:
        index = self.year * 4 + self.quarter - 1 + quarters
        return Period(index // 4, index % 4 + 1)

    def last(self, count: int) -> list[Period]:
        """The ``count`` quarters ending with this one, oldest first."""
        return [self.shifted(-n) for n in range(count - 1, -1, -1)]

    def __str__(self) -> str:
        return self.label


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text).upper()


def _quarter_of(digit: str) -> int:
    return CHINESE_DIGITS.get(digit) or int(digit)


def parse_period(text: str) -> Period | None:
    """One 期间 cell (already folded from full-width) as a Period, or None."""
    match = _PERIOD.fullmatch(_compact(text))
    if match is None:
        return None
    year = int(match.group(1))
    return Period(year, _quarter_of(match.group(2) or match.group(3))) if MIN_YEAR <= year <= MAX_YEAR else None


def parse_year(text: str) -> int | None:
    match = _YEAR.fullmatch(_compact(text))
    year = int(match.group(1)) if match else None
    return year if year is not None and MIN_YEAR <= year <= MAX_YEAR else None


def parse_quarter(text: str) -> int | None:
    match = _QUARTER.fullmatch(_compact(text))
    return _quarter_of(match.group(1) or match.group(2)) if match else None


def quarter_of_date(day) -> Period:
    return Period(day.year, (day.month - 1) // 3 + 1)
