"""Chinese appeal text as the router reads it: one normalisation, shared by training and suggestion.

``normalize`` turns what people type into a canonical string:

1. NFKC: full-width letters, digits and punctuation become half-width (“２０２６” → “2026”, “ＡＢＣ” → “abc”),
   circled and compatibility forms their plain ones; then lower case.
2. Traditional → simplified (zhconv, pure Python, its tables ship in the package: nothing is downloaded), with
   its phrase table, so “軟體” reads “软件” and “衛城鎮” reads “卫城镇”.
3. Place names are masked: every town and park (Department rows of those kinds, by full name and by short name
   without 镇/乡/街道/社区 and the 民族 parts), and 清镇 / 贵阳 / 贵州, become one placeholder character. An appeal
   says where the enterprise is almost every time; left alone, those names would decide the department. Which
   towns or parks were named is returned beside the text (``Normalized.places``) for the suggester's 属地 step.
4. Numbers (runs of digits with their separators) become one placeholder character: amounts, years and head
   counts say nothing about who handles the appeal.
5. Everything that is not a letter, digit, CJK character or placeholder becomes a space: n-grams never span
   punctuation.

The features are character n-grams (1–3) of the normalised text, computed for a whole batch at once with numpy
(``ngram_hashes``): no segmentation dictionary to load, nothing to download, and the same code path for one
text or a hundred thousand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import zhconv

NUMBER = "\ue000"  # private-use characters: they never occur in typed text
PLACE = "\ue001"
# Always masked, whatever the directory holds: the city, the prefecture and the province.
CITY_PLACES = ("清镇市", "清镇", "贵阳市", "贵阳", "贵州省", "贵州")

_NUMBER_RE = re.compile(r"\d+(?:[.,:/\-]\d+)*")
_SEPARATOR_RE = re.compile(r"[^\w\ue000\ue001]+|_+")
# What a town's or park's short name drops: the administrative suffix and the 民族 words of 民族乡 names.
_SUFFIX_RE = re.compile(r"(?:(?:苗族|布依族|彝族|回族|仡佬族|侗族|土家族|水族)+)?(?:镇|乡|街道|社区|办事处)$")
_ETHNIC_RE = re.compile(r"(?:苗族|布依族|彝族|回族|仡佬族|侗族|土家族|水族)+")


def short_name(name: str) -> str | None:
    """红枫湖镇 → 红枫湖, 麦格苗族布依族乡 → 麦格, 青龙山街道 → 青龙山; None when nothing shorter is left."""
    short = _ETHNIC_RE.sub("", _SUFFIX_RE.sub("", name))
    return short if len(short) >= 2 and short != name else None


@dataclass(frozen=True)
class Places:
    """The place names to mask, and which department (town or park) each one names."""

    names: dict[str, int | None] = field(default_factory=dict)  # name -> department id (None: 清镇, 贵阳, 贵州)
    pattern: re.Pattern | None = None

    @classmethod
    def build(cls, units: Iterable[tuple[int, str]] = ()) -> "Places":
        """``units``: (id, name) of the towns and parks."""
        names: dict[str, int | None] = {name: None for name in CITY_PLACES}
        for pk, name in units:
            name = simplify(name)
            names[name] = pk
            short = short_name(name)
            if short and short not in names:
                names[short] = pk
        # Longest first, so 清镇经济开发区 is one park, not 清镇 + 经济开发区.
        ordered = sorted(names, key=len, reverse=True)
        return cls(names, re.compile("|".join(map(re.escape, ordered))))


NO_PLACES = Places.build()


@dataclass(frozen=True)
class Normalized:
    text: str
    places: frozenset[int]  # the towns and parks the text named


def simplify(text: str) -> str:
    """Steps 1 and 2: half-width, lower case, simplified characters."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return zhconv.convert(text, "zh-cn") if text else text


def normalize(text: str, places: Places = NO_PLACES) -> Normalized:
    text = simplify(text)
    named: set[int] = set()
    if places.pattern is not None and text:
        def mask(match: re.Match) -> str:
            pk = places.names.get(match.group(0))
            if pk is not None:
                named.add(pk)
            return PLACE

        text = places.pattern.sub(mask, text)
    text = _NUMBER_RE.sub(NUMBER, text)
    text = _SEPARATOR_RE.sub(" ", text).strip()
    return Normalized(text, frozenset(named))


def appeal_text(title: str, content: str, places: Places = NO_PLACES) -> Normalized:
    """The text a suggestion reads: the title twice (it is the appeal in a dozen characters), then the content.
    Spaces keep n-grams from running from one part into the next."""
    title_n = normalize(title, places)
    content_n = normalize(content, places)
    return Normalized(f"{title_n.text} {title_n.text} {content_n.text}".strip(), title_n.places | content_n.places)


# ---- character n-grams ----------------------------------------------------------------------------------------

HASH_BITS = 22  # 4,194,304 buckets before the vocabulary is pruned: collisions are rare at this size
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: multiply, keep the top bits


def ngram_hashes(texts: Sequence[str], max_n: int = 3, min_n: int = 1, *, with_n: bool = False) -> tuple:
    """(row, bucket) for every character n-gram (min_n..max_n) of every text, one pair per occurrence, and with
    ``with_n`` a third array: each n-gram's length.

    The texts are concatenated into one array of code points; an n-gram is kept when none of its characters is
    a separator. Its key is exact (code points are 21 bits: unigram c, bigram c1<<21|c2, trigram
    c1<<42|c2<<21|c3, and the three ranges cannot meet), then hashed to HASH_BITS bits."""
    if not texts:
        empty = np.zeros(0, np.int64)
        return (empty, empty, empty) if with_n else (empty, empty)
    joined = "\x00".join(texts) + "\x00"
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row = np.cumsum(points == 0) - (points == 0)  # the text each position belongs to
    points[points == 0x20] = 0  # spaces separate like the text boundaries
    alive = points != 0
    rows, keys, lengths = [], [], []
    length = len(points)
    for n in range(min_n, max_n + 1):
        if length < n:
            break
        ok = alive[: length - n + 1].copy()
        key = points[: length - n + 1].copy()
        for k in range(1, n):
            ok &= alive[k: length - n + 1 + k]
            key = (key << np.uint64(21)) | points[k: length - n + 1 + k]
        rows.append(row[: length - n + 1][ok])
        keys.append(key[ok])
        lengths.append(np.full(len(keys[-1]), n, np.int8))
    if not keys:
        empty = np.zeros(0, np.int64)
        return (empty, empty, empty) if with_n else (empty, empty)
    key = np.concatenate(keys)
    with np.errstate(over="ignore"):
        bucket = (key * _GOLDEN) >> np.uint64(64 - HASH_BITS)
    result = (np.concatenate(rows).astype(np.int64), bucket.astype(np.int64))
    return result + (np.concatenate(lengths),) if with_n else result
