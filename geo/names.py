"""Kind and amenity names in Chinese and English, and which language a reader asked for.

Import, the API and the CLI accept the same words for a kind (``driver_home``,
``司机之家``, ``Driver home``) and an amenity (``water``, ``饮用水``); answers
and errors are given in the language asked, ``zh`` or ``en``.
"""

from __future__ import annotations

from typing import Any, Literal

from geo.errors import LocalizedInputError
from geo.types import AMENITIES, KIND_LABELS, Kind

__all__ = [
    "AMENITY_WORDS",
    "KIND_WORDS",
    "Lang",
    "amenity_label",
    "kind_label",
    "label_features",
    "parse_amenity_name",
    "parse_kind_name",
    "pick_lang",
]

Lang = Literal["zh", "en"]

KIND_WORDS: dict[str, Kind] = {
    **{k.value: k for k in Kind},
    **{zh: k for k, (_, zh) in KIND_LABELS.items()},
    **{en.lower(): k for k, (en, _) in KIND_LABELS.items()},
    "工会户外劳动者服务站点": Kind.WORKER_STATION,
    "户外劳动者服务站点": Kind.WORKER_STATION,
    "爱心驿站": Kind.RIDER_STATION,
    "安康服务站": Kind.SAFETY_STATION,
}
"""Every accepted kind name (codes, Chinese and lower-case English labels) → kind."""

AMENITY_WORDS: dict[str, str] = {
    **{code: code for code in AMENITIES},
    **{zh: code for code, (_, zh) in AMENITIES.items()},
    **{en.lower(): code for code, (en, _) in AMENITIES.items()},
}
"""Every accepted amenity name → its code."""


def parse_kind_name(text: str, *, argument: str = "kind") -> Kind:
    """The kind named by ``text`` in any accepted language, or a bilingual error.

    Examples
    --------
    >>> parse_kind_name("司机之家")
    <Kind.DRIVER_HOME: 'driver_home'>
    """
    word = str(text).strip()
    kind = KIND_WORDS.get(word) or KIND_WORDS.get(word.lower())
    if kind is None:
        raise LocalizedInputError(
            f"{argument}={word!r} is not a station kind; use one of {', '.join(Kind)} "
            "or their Chinese names",
            f"{argument}：未知的站点类型“{word}”；可选："
            + "、".join(zh for _, zh in KIND_LABELS.values()),
        )
    return kind


def parse_amenity_name(text: str, *, argument: str = "amenity") -> str:
    """The amenity code named by ``text`` in any accepted language, or a bilingual error.

    Examples
    --------
    >>> parse_amenity_name("饮用水")
    'water'
    """
    word = str(text).strip()
    code = AMENITY_WORDS.get(word) or AMENITY_WORDS.get(word.lower())
    if code is None:
        raise LocalizedInputError(
            f"{argument}={word!r} is not in the amenity vocabulary; use any of "
            + ", ".join(AMENITIES),
            f"{argument}：未知的设施“{word}”；可选："
            + "、".join(zh for _, zh in AMENITIES.values()),
        )
    return code


def kind_label(kind: Kind | str, lang: Lang) -> str:
    """The kind's label in ``lang``."""
    en, zh = KIND_LABELS[Kind(kind)]
    return zh if lang == "zh" else en


def amenity_label(code: str, lang: Lang) -> str:
    """The amenity's label in ``lang``."""
    en, zh = AMENITIES[code]
    return zh if lang == "zh" else en


def label_features(collection: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """Add ``kind_label`` and ``amenity_labels`` in ``lang`` to a station FeatureCollection.

    The codes (``kind``, ``amenities``) stay as they are: clients filter on
    them; the labels are for people.
    """
    for feature in collection.get("features", []):
        props = feature["properties"]
        props["kind_label"] = kind_label(props["kind"], lang)
        props["amenity_labels"] = [amenity_label(a, lang) for a in props.get("amenities", [])]
    return collection


def pick_lang(lang: str | None = None, accept_language: str | None = None) -> Lang:
    """The reader's language: ``lang`` when given, else the first of Accept-Language we have.

    Accept-Language entries are taken in order of their ``q`` weight; English
    is the default.

    Examples
    --------
    >>> pick_lang(None, "zh-CN,zh;q=0.9,en;q=0.8")
    'zh'
    >>> pick_lang(None, "en-US,zh;q=0.5")
    'en'
    >>> pick_lang("zh", "en")
    'zh'
    """
    if lang in ("zh", "en"):
        return lang  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for neg_q, _, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if neg_q < 0 and primary in ("zh", "en"):
            return primary  # type: ignore[return-value]
    return "en"
