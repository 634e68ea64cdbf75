"""A picture of a map page: the page drawn by headless Chromium, as PNG bytes.

The page is written to a private temporary folder and opened from disk with
every host name resolving nowhere, so nothing can come from the network (the
written pages inline their assets). Chromium runs its timers for
``wait_ms`` of virtual time before the screenshot, long enough for Leaflet
to draw the layers of a written page.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from geo.errors import GeoError

__all__ = ["PictureError", "chromium_path", "page_png"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PictureError(GeoError, RuntimeError):
    """Chromium is missing, or did not draw the page."""


def chromium_path() -> str | None:
    """The Chromium executable on ``PATH`` (None when there is none)."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def page_png(
    html: str,
    *,
    width: int = 1200,
    height: int = 800,
    wait_ms: int = 15_000,
    timeout_s: float = 120.0,
) -> bytes:
    """Draw an HTML page headless and return the screenshot.

    Parameters
    ----------
    html
        A complete page whose assets are inline (``maps.write_standalone``'s output).
    width, height
        Window size in CSS pixels.
    wait_ms
        Virtual time Chromium lets the page run before the picture.
    timeout_s
        Wall-clock limit for Chromium.

    Returns
    -------
    bytes
        A PNG image.

    Raises
    ------
    PictureError
        When Chromium is not installed, fails, or writes no PNG.
    """
    exe = chromium_path()
    if exe is None:
        raise PictureError(
            "no Chromium to draw the map picture (install Debian's chromium, or pass --no-picture)"
        )
    with tempfile.TemporaryDirectory(prefix="sf-picture-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / "page.png"
        page.write_text(html, encoding="utf-8")
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp}/profile",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing from the network
            f"--window-size={width},{height}", f"--virtual-time-budget={wait_ms}",
            f"--screenshot={out}", page.as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise PictureError(f"Chromium did not draw the map within {timeout_s:g} s") from None
        data = out.read_bytes() if out.is_file() else b""
    if not data.startswith(_PNG_MAGIC):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise PictureError(f"Chromium drew no picture (exit {done.returncode}): {tail[0]}")
    return data
