"""What two appeals have in common, as text: sets of character bigrams of the normalised title and content.

The normalisation is the router's (``lianxi.routing.text.normalize``: full-width → half-width, traditional →
simplified, numbers and place names masked), so “貸款３００萬元” and “贷款300万元” read alike here too. The towns
and parks masked are the directory's (read once a few minutes per process).

An appeal's *shingles* are the bigrams of its normalised title and content, less

* bigrams across a mask or a separator (punctuation, a number, a place name),
* bigrams holding a function character (的, 了, 是 …): “的诉”, “了解” says nothing about the problem,
* the *stop shingles*: what nearly every appeal says (企业, 公司, 反映, 希望, 协调 …), a fixed list below plus
  those a rebuild found in more than ``STOP_DF`` of the appeals (the channel's opening words of a meeting's
  appeals, for instance). Left in, they would make any two appeals look alike.

Bigrams, not words: no segmentation dictionary, nothing to download, and a reworded sentence keeps most of its
bigrams. Two texts are compared by the cosine of their shingle sets, |A ∩ B| / √(|A|·|B|), which forgives a
short text for being a part of a long one more than Jaccard does.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from collections.abc import Iterable

from lianxi.routing.text import NUMBER, PLACE, Places, normalize

# Characters that carry grammar, not a problem: a bigram holding one is not a shingle (nor a key term).
STOP_CHARS = frozenset("的了是在和与及或等对为把被也就都而且但并其之这那些个我你他她它们吗呢吧啊着过将向从于以已请您")
# What nearly every appeal says, whatever it is about.
STOP_SHINGLES = frozenset({
    "企业", "公司", "本公", "我司", "反映", "希望", "要求", "请求", "恳请", "协调", "解决", "问题", "相关", "部门",
    "目前", "现在", "情况", "尽快", "帮助", "支持", "能否", "是否", "一直", "没有", "存在", "影响", "诉求", "事项",
    "有关", "进行", "工作", "需要", "可以", "通过", "因为", "所以", "如果", "但是", "政府", "单位", "事宜", "咨询",
    "答复", "给予", "市里", "多次", "至今", "仍未", "尚未", "造成", "导致", "严重", "非常", "特别", "予以", "落实",
    "求解", "求协", "求帮", "求尽", "望尽", "望相", "望能", "望协",
})
_MASKS = str.maketrans({NUMBER: " ", PLACE: " "})
PLACES_SECONDS = 300
_places: tuple[float, Places] | None = None


def places() -> Places:
    """The towns' and parks' names to mask, reread every PLACES_SECONDS."""
    global _places
    now = time.monotonic()
    if _places is None or now - _places[0] > PLACES_SECONDS:
        from lianxi.directory.models import Department

        units = Department.objects.filter(kind__in=[Department.Kind.TOWN, Department.Kind.PARK])
        fresh = Places.build(units.values_list("pk", "name"))
        if _places is not None and fresh != _places[1]:
            _text_bigrams.cache_clear()  # texts normalised with the old masks
        _places = (now, fresh)
    return _places[1]


def forget_places() -> None:
    global _places
    _places = None
    _text_bigrams.cache_clear()  # the masks changed with the places


def normalized(text: str) -> str:
    """The router's normalisation with the masks turned into separators."""
    return normalize(text or "", places()).text.translate(_MASKS)


def bigrams(text: str) -> set[str]:
    """Bigrams of a normalised text, none across a separator, none holding a function character."""
    out = set()
    for run in text.split():
        for i in range(len(run) - 1):
            gram = run[i:i + 2]
            if gram[0] not in STOP_CHARS and gram[1] not in STOP_CHARS:
                out.add(gram)
    return out


@lru_cache(maxsize=20_000)
def _text_bigrams(title: str, content: str) -> frozenset[str]:
    """Normalising is most of a search's cost (traditional→simplified above all), and the same candidates — the
    newest appeals, a busy topic's — are scored request after request: a worker keeps the last 20,000 texts'."""
    return frozenset(bigrams(normalized(title)) | bigrams(normalized(content)))


def shingles(title: str, content: str, stop: Iterable[str] = frozenset()) -> frozenset[str]:
    """The appeal's shingles (module docstring); ``stop``: the stop shingles a rebuild learnt."""
    grams = set(_text_bigrams(title or "", content or ""))
    grams -= STOP_SHINGLES
    if stop:
        grams.difference_update(stop)
    return frozenset(grams)


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))
