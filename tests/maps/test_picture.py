"""A page drawn by headless Chromium as PNG (the report's map picture)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from maps import picture
from maps.picture import PictureError, page_png

PAGE = """<!DOCTYPE html><html><body style="margin:0;background:#fff">
<div style="position:absolute;left:0;top:0;width:100px;height:50px;background:#d55e00"></div>
<script>document.body.appendChild(document.createElement('p')).id = 'ran';</script>
</body></html>"""


@pytest.mark.browser
def test_page_is_drawn_at_its_size() -> None:
    if picture.chromium_path() is None:
        pytest.skip("no Chromium")
    png = page_png(PAGE, width=400, height=200, wait_ms=1000)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (400, 200)
    assert img.getpixel((50, 25)) == (0xD5, 0x5E, 0x00)  # the box, drawn where it stands
    assert img.getpixel((300, 150)) == (255, 255, 255)
    colours = dict((c, n) for n, c in img.getcolors())  # type: ignore[union-attr]
    assert colours[(0xD5, 0x5E, 0x00)] == 100 * 50


def test_no_chromium_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picture.shutil, "which", lambda _name: None)
    with pytest.raises(PictureError, match=r"no Chromium.*--no-picture"):
        page_png(PAGE)
