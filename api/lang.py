"""The reader's language, ``lang=zh|en`` or Accept-Language, as a dependency."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from geo.names import AMENITY_WORDS, KIND_WORDS, Lang, pick_lang


async def lang_param(
    request: Request,
    lang: Annotated[
        Literal["zh", "en"] | None,
        Query(description="Language of labels and messages (default: Accept-Language, else en)"),
    ] = None,
) -> Lang:
    return pick_lang(lang, request.headers.get("accept-language"))


LangDep = Annotated[Lang, Depends(lang_param)]


KindName = enum.StrEnum("KindName", {w: w for w in KIND_WORDS})  # type: ignore[misc]
"""Every kind name the API accepts (codes, Chinese and English labels), so OpenAPI lists them."""

AmenityName = enum.StrEnum("AmenityName", {w: w for w in AMENITY_WORDS})  # type: ignore[misc]
"""Every amenity name the API accepts (codes, Chinese and English labels)."""
