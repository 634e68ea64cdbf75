"""The receipt page: where a rider's report or proposal stands, for a phone, in Chinese or English.

Rendered on the server from :class:`geo.feedback.ReceiptView`; the page has no
script and loads nothing (no map, no asset). It shows only this receipt's
item: its steps with state, date, planner and reply, never another rider's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import jinja2

from geo.feedback import Item, ReceiptView, State
from geo.types import Station
from maps.i18n import Lang, kind_label, text

__all__ = ["STATE_LABELS", "receipt_html"]

STATE_LABELS: dict[State, tuple[str, str]] = {
    State.SUBMITTED: ("Submitted", "已提交"),
    State.UNDER_REVIEW: ("Under review", "审议中"),
    State.ACCEPTED: ("Accepted", "已采纳"),
    State.BUILDING: ("Being built", "建设中"),
    State.DONE: ("Done", "已办结"),
    State.REJECTED: ("Not taken up", "未采纳"),
}
"""English and Chinese name of each state."""

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Where my submission stands", "我的反馈进度"),
    "report": ("Report on a station", "站点问题反馈"),
    "proposal": ("Proposal for a new station", "新站点建议"),
    "now": ("Now", "当前状态"),
    "history": ("Steps", "办理过程"),
    "by": ("by", "办理人"),
    "reply": ("Reply", "答复"),
    "station": ("Station", "站点"),
    "opened": ("The station opened", "站点已开放"),
    "other_lang": ("中文", "English"),
    "keep": (
        "Keep this page's address: it is your receipt. It shows nothing about you.",
        "请保存本页地址作为回执；页面不显示您的任何个人信息。",
    ),
}
_PATHS = {
    Item.REPORT: (State.SUBMITTED, State.UNDER_REVIEW, State.DONE),
    Item.PROPOSAL: (
        State.SUBMITTED,
        State.UNDER_REVIEW,
        State.ACCEPTED,
        State.BUILDING,
        State.DONE,
    ),
}
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("maps", "templates"), autoescape=True, keep_trailing_newline=True
)


def _label(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "en" else pair[1]


def _local(at: str, tz: str) -> str:
    """``2026-05-01T08:00:00Z`` as ``2026-05-01 16:00`` in ``tz``."""
    when = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(ZoneInfo(tz))
    return when.strftime("%Y-%m-%d %H:%M")


def receipt_html(
    view: ReceiptView,
    *,
    station: Station | None = None,
    lang: Lang = "zh",
    other_url: str = "",
    tz: str = "Asia/Shanghai",
) -> str:
    """The receipt page of one report or proposal.

    Parameters
    ----------
    view
        What the receipt shows (:meth:`geo.feedback.Workflow.receipt`).
    station
        The station reported on, or the one answering the proposal, if any.
    lang
        Language of the page.
    other_url
        Link to the same page in the other language (none when empty).
    tz
        Time zone in which dates are shown (the registry's).

    Returns
    -------
    str
        A complete HTML page.

    Examples
    --------
    >>> from geo.feedback import Step
    >>> view = ReceiptView(Item.REPORT, "closed", State.SUBMITTED,
    ...                    (Step(State.SUBMITTED, "submitted", "2026-05-01T08:00:00Z"),), "lib")
    >>> page = receipt_html(view, lang="zh")
    >>> "已提交" in page and "2026-05-01 16:00" in page
    True
    """
    path = _PATHS[view.item]
    reached = {s.state for s in view.steps}
    progress = [
        (_label(STATE_LABELS[s], lang), s in reached, s is view.state)
        for s in (*path, State.REJECTED)
        if s is not State.REJECTED or view.state is State.REJECTED
    ]
    if view.state is State.REJECTED:
        progress = [p for p in progress if p[1]]
    steps = [
        {
            "state": str(s.state),
            "label": _label(STATE_LABELS[s.state], lang),
            "date": _local(s.at, tz),
            "actor": s.actor,
            "reply": s.reply,
        }
        for s in view.steps
    ]
    kind = ""
    if view.item is Item.REPORT and view.kind:
        kind = text(f"rk_{view.kind}", lang)
    elif view.kind:
        kind = kind_label(view.kind, lang)
    return _ENV.get_template("receipt.html.j2").render(
        lang=lang,
        t={k: _label(v, lang) for k, v in _TEXT.items()},
        item=_label(_TEXT[str(view.item)], lang),
        kind=kind,
        state=str(view.state),
        state_label=_label(STATE_LABELS[view.state], lang),
        progress=progress,
        steps=steps,
        station=station,
        other_url=other_url,
    )
