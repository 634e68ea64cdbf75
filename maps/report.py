"""The "report a problem" page that station popups link to: a small form for riders.

The page posts the report as JSON to the API's ``POST /stations/{id}/reports``
from the browser; it has no map and needs no asset.
"""

from __future__ import annotations

import jinja2

from geo.types import AMENITIES, Station
from maps.base import js_literal
from maps.i18n import Lang, amenity_label, text

__all__ = ["REPORT_KINDS", "report_form_html"]

REPORT_KINDS: tuple[str, ...] = (
    "closed",
    "wrong_location",
    "wrong_hours",
    "amenity_missing",
    "full",
    "confirmed",
)
"""Report kinds in the order the form offers them (those of :class:`geo.feedback.ReportKind`)."""

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("maps", "templates"), autoescape=True, keep_trailing_newline=True
)
_KEYS = ("report_problem", "report_kind", "report_text", "report_here", "report_send")
_KEYS += ("hours", "amenities", "report_thanks", "api_error", "geo_denied")
_KEYS += ("report_choose", "report_choose_first", "report_hours_example")


def report_form_html(station: Station, *, api: str, lang: Lang = "en") -> str:
    """The report form page for one station.

    Parameters
    ----------
    station
        The station reported on.
    api
        URL the form posts to (the station's ``…/reports`` endpoint).
    lang
        Language of the page.

    Returns
    -------
    str
        A complete HTML page.

    Examples
    --------
    >>> from geo.types import Kind
    >>> page = report_form_html(Station("a", "Depot", Kind.DRIVER_HOME, 24.9, 60.1),
    ...                         api="/stations/a/reports", lang="zh")
    >>> "报告问题" in page and 'data-id="a"' in page
    True
    """
    t = {k: text(k, lang) for k in _KEYS}
    return _ENV.get_template("report_form.html.j2").render(
        lang=lang,
        t=t,
        name=station.name,
        station_id=station.id,
        kinds=[(k, text(f"rk_{k}", lang)) for k in REPORT_KINDS],
        amenities=[(a, amenity_label(a, lang)) for a in AMENITIES],
        api_js=js_literal(api),
        text_js=js_literal(t),
    )
