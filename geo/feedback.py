"""Riders' voice: reports on stations and proposals for new ones, reviewed by planners.

:class:`Feedback` keeps two tables, ``reports`` and ``proposals``, in the
registry's own SQLite file, on its connection and under its lock. A write
that changes a station (accepting a report, a confirmation, accepting a
proposal) runs inside the registry's write transaction
(:meth:`geo.registry.StationRegistry._write`), so the station change, the
report's or proposals' new status and the station history commit together or
not at all. Every status change is guarded with ``UPDATE … WHERE
status='open'``: of two concurrent accepts of one report, one applies and the
other raises :class:`~geo.errors.ConflictError`.

Reports and what accepting one does to its station:

=================  ==============================  =====================================
kind               needs                           on accept
=================  ==============================  =====================================
closed             —                               status ``closed``
wrong_location     a position                      moved to the position
wrong_hours        ``hours`` (OSM opening_hours)   opening hours replaced
amenity_missing    ``amenity`` (vocabulary code)   amenity removed
full               —                               nothing but ``last_verified``
confirmed          —                               applied at once: ``last_verified``
=================  ==============================  =====================================

Every accept sets the station's ``last_verified``; a confirmation ("visited
and all fine") is accepted when it is submitted.

Proposals near each other (single linkage over geodesic distance, 150 m by
default) form groups; :func:`rank_groups` orders them by the demand each
group's site would newly cover (:func:`geo.siting.site_gains`), then by the
number of distinct proposers.

Submitters' contact, client address and exact position are stored for
planners; which of them a caller may see is the caller's decision (the API
shows them only with the planner key).
"""

from __future__ import annotations

import enum
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
from numpy.typing import ArrayLike
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo._validate import check_lonlat, check_page, parse_amenities, parse_kinds
from geo.crs import convert, parse_coord_system
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.hours_zh import normalize_hours
from geo.names import AMENITY_WORDS
from geo.registry import StationRegistry
from geo.types import AMENITIES, CoordSystem, Kind, Station, Status

__all__ = [
    "MAX_CONTACT",
    "MAX_TEXT",
    "PROPOSAL_GROUP_M",
    "Feedback",
    "Proposal",
    "ProposalGroup",
    "Report",
    "ReportKind",
    "ReviewStatus",
    "group_points",
    "groups_as_candidates",
    "rank_groups",
]

log = logging.getLogger(__name__)

MAX_TEXT = 500
"""Longest free text of a report or proposal, in characters."""
MAX_CONTACT = 200
"""Longest contact or proposer id, in characters."""
PROPOSAL_GROUP_M = 150.0
"""Default distance within which proposals are grouped, metres."""

_GEOD = pyproj.Geod(ellps="WGS84")
_EARTH_R = 6_371_008.8
# A geodesic on WGS-84 is at least 0.9944 × the great circle on the mean sphere,
# and a chord is shorter than its arc: a chord radius of d / 0.99 finds every pair.
_SPHERE_SLACK = 0.99


class ReportKind(enum.StrEnum):
    """What a report says about a station."""

    CLOSED = "closed"  # closed for good
    WRONG_LOCATION = "wrong_location"
    WRONG_HOURS = "wrong_hours"
    AMENITY_MISSING = "amenity_missing"  # missing or broken
    FULL = "full"
    CONFIRMED = "confirmed"  # visited and all fine


class ReviewStatus(enum.StrEnum):
    """Where a report or proposal stands in the planners' review."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    lon REAL,
    lat REAL,
    hours TEXT NOT NULL DEFAULT '',
    amenity TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    resolved_at TEXT NOT NULL DEFAULT '',
    resolved_by TEXT NOT NULL DEFAULT '',
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS reports_station ON reports (station_id, status);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status, id);
CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    note TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    amenities TEXT NOT NULL DEFAULT '',
    proposer TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    station_id TEXT NOT NULL DEFAULT '',
    resolved_at TEXT NOT NULL DEFAULT '',
    resolved_by TEXT NOT NULL DEFAULT '',
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS proposals_status ON proposals (status, id);
INSERT OR IGNORE INTO meta VALUES ('feedback_version', '0');
"""
_REPORT_COLS = (
    "id, station_id, kind, text, lon, lat, hours, amenity, contact, client, created_at, "
    "status, resolved_at, resolved_by, resolution"
)
_PROPOSAL_COLS = (
    "id, lon, lat, note, kind, amenities, proposer, contact, client, created_at, status, "
    "station_id, resolved_at, resolved_by, resolution"
)
_BUMP = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='feedback_version'"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Report:
    """One report on a station.

    Attributes
    ----------
    id
        Report number, from 1.
    station_id
        The station reported on.
    kind
        One of :class:`ReportKind`.
    text
        Free text, at most :data:`MAX_TEXT` characters.
    lon, lat
        WGS-84 position given with the report (the station's true place for
        ``wrong_location``), or None.
    hours
        Proposed opening hours (``wrong_hours``).
    amenity
        The amenity missing or broken (``amenity_missing``).
    contact
        How to reach the submitter, if given (private to planners).
    client
        The submitting client's address (private to planners; for abuse).
    created_at
        ISO 8601 UTC submission time.
    status
        One of :class:`ReviewStatus`.
    resolved_at, resolved_by, resolution
        When, by whom and with which note it was accepted or rejected.
    """

    id: int
    station_id: str
    kind: ReportKind
    text: str = ""
    lon: float | None = None
    lat: float | None = None
    hours: str = ""
    amenity: str = ""
    contact: str = ""
    client: str = ""
    created_at: str = ""
    status: ReviewStatus = ReviewStatus.OPEN
    resolved_at: str = ""
    resolved_by: str = ""
    resolution: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed site for a new station.

    Attributes
    ----------
    id
        Proposal number, from 1.
    lon, lat
        WGS-84 position.
    note
        Free text, at most :data:`MAX_TEXT` characters.
    kind
        The kind of station wanted, or None.
    amenities
        Amenity codes wanted, sorted.
    proposer
        The proposer's id (for counting distinct proposers); may be empty.
    contact, client
        The proposer's contact and client address (private to planners).
    created_at
        ISO 8601 UTC submission time.
    status
        One of :class:`ReviewStatus`.
    station_id
        The planned station made from it, once accepted.
    resolved_at, resolved_by, resolution
        When, by whom and with which note it was accepted or rejected.
    """

    id: int
    lon: float
    lat: float
    note: str = ""
    kind: Kind | None = None
    amenities: tuple[str, ...] = ()
    proposer: str = ""
    contact: str = ""
    client: str = ""
    created_at: str = ""
    status: ReviewStatus = ReviewStatus.OPEN
    station_id: str = ""
    resolved_at: str = ""
    resolved_by: str = ""
    resolution: str = ""

    @property
    def identity(self) -> str:
        """Who proposed it, for counting: the proposer id, else the client, else itself."""
        if self.proposer:
            return f"proposer:{self.proposer}"
        if self.client:
            return f"client:{self.client}"
        return f"proposal:{self.id}"


@dataclass(frozen=True, slots=True)
class ProposalGroup:
    """Proposals within the grouping distance of each other (single linkage).

    Attributes
    ----------
    id
        The smallest proposal id in the group (a handle for review).
    proposals
        The member proposals, by id.
    lon, lat
        WGS-84 centroid of the members (the site a planned station gets).
    proposers
        Distinct proposers (:attr:`Proposal.identity`).
    kind
        The kind asked for most often (ties: :class:`~geo.types.Kind` order), or None.
    amenities
        Every amenity any member asked for, sorted.
    gain
        Demand weight the group's site alone would newly cover; None until ranked.
    rank
        1 = first to review; 0 until ranked.
    """

    id: int
    proposals: tuple[Proposal, ...]
    lon: float
    lat: float
    proposers: int
    kind: Kind | None
    amenities: tuple[str, ...]
    gain: float | None = None
    rank: int = 0

    @property
    def proposal_ids(self) -> tuple[int, ...]:
        """Ids of the members."""
        return tuple(p.id for p in self.proposals)


def _row_report(r: tuple[Any, ...]) -> Report:
    return Report(
        id=int(r[0]),
        station_id=r[1],
        kind=ReportKind(r[2]),
        text=r[3],
        lon=None if r[4] is None else float(r[4]),
        lat=None if r[5] is None else float(r[5]),
        hours=r[6],
        amenity=r[7],
        contact=r[8],
        client=r[9],
        created_at=r[10],
        status=ReviewStatus(r[11]),
        resolved_at=r[12],
        resolved_by=r[13],
        resolution=r[14],
    )


def _row_proposal(r: tuple[Any, ...]) -> Proposal:
    return Proposal(
        id=int(r[0]),
        lon=float(r[1]),
        lat=float(r[2]),
        note=r[3],
        kind=Kind(r[4]) if r[4] else None,
        amenities=tuple(a for a in r[5].split(";") if a),
        proposer=r[6],
        contact=r[7],
        client=r[8],
        created_at=r[9],
        status=ReviewStatus(r[10]),
        station_id=r[11],
        resolved_at=r[12],
        resolved_by=r[13],
        resolution=r[14],
    )


def _text(value: object, *, name: str, limit: int = MAX_TEXT) -> str:
    """Free text, stripped of control characters; raises naming ``name`` when too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be text, got {type(value).__name__}")
    clean = "".join(c for c in value if c in "\n\t" or c.isprintable()).strip()
    if len(clean) > limit:
        raise InvalidInputError(f"{name} is {len(clean)} characters long; at most {limit}")
    return clean


def _position(
    lon: float | None, lat: float | None, crs: CoordSystem | str
) -> tuple[float | None, float | None]:
    """A WGS-84 position from one in ``crs``; both or neither must be given."""
    system = parse_coord_system(str(crs))
    if lon is None and lat is None:
        return None, None
    if lon is None or lat is None:
        raise InvalidInputError("lon and lat must be given together (or neither)")
    x, y = check_lonlat([lon], [lat])
    if system != "wgs84":
        x, y = convert(x, y, src=system, dst="wgs84")
    return float(x[0]), float(y[0])


def _row_id(value: int, *, what: str) -> int:
    """A row id; ids outside SQLite's integers cannot exist."""
    rid = int(value)
    if not 1 <= rid < 2**63:
        raise NotFoundError(f"no {what} with id {value}")
    return rid


def _parse_status(status: str | None, *, name: str = "status") -> ReviewStatus | None:
    if status is None:
        return None
    try:
        return ReviewStatus(str(status).strip())
    except ValueError:
        raise InvalidInputError(
            f"{name}={status!r} is not a review status; use one of {', '.join(ReviewStatus)}"
        ) from None


def group_points(
    lon: ArrayLike, lat: ArrayLike, radius_m: float = PROPOSAL_GROUP_M
) -> npt.NDArray[np.intp]:
    """Single-linkage groups of points: two points within ``radius_m`` share a group.

    Distances are geodesic on WGS-84. Candidate pairs come from a k-d tree of
    unit-sphere vectors with a slack that cannot miss a pair, and each is
    checked exactly, so the cost grows with the number of close pairs, not n².

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    radius_m
        Linkage distance, metres (> 0).

    Returns
    -------
    numpy.ndarray
        Group label of each point: 0, 1, … numbered in order of each
        group's first point.

    Examples
    --------
    >>> group_points([24.9400, 24.9410, 24.9420, 24.9600], [60.17, 60.17, 60.17, 60.17], 60)
    array([0, 0, 0, 1])
    """
    if not radius_m > 0:
        raise InvalidInputError(f"radius_m={radius_m!r} must be > 0")
    x, y = check_lonlat(lon, lat)
    n = x.size
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    lam, phi = np.radians(x), np.radians(y)
    xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    pairs = cKDTree(xyz).query_pairs(radius_m / _SPHERE_SLACK / _EARTH_R, output_type="ndarray")
    if pairs.size:
        _, _, d = _GEOD.inv(x[pairs[:, 0]], y[pairs[:, 0]], x[pairs[:, 1]], y[pairs[:, 1]])
        pairs = pairs[np.asarray(d) <= radius_m]
    graph = coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])) if len(pairs) else ([], ([], [])),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    # Renumber by first appearance, so labels do not depend on scipy's order.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return np.asarray(order[labels], dtype=np.intp)


def _centroid(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[float, float]:
    lam, phi = np.radians(lon), np.radians(lat)
    v = np.array(
        [
            (np.cos(phi) * np.cos(lam)).mean(),
            (np.cos(phi) * np.sin(lam)).mean(),
            np.sin(phi).mean(),
        ]
    )
    v /= np.linalg.norm(v)
    return float(np.degrees(np.arctan2(v[1], v[0]))), float(np.degrees(np.arcsin(v[2])))


def _groups(proposals: list[Proposal], radius_m: float) -> list[ProposalGroup]:
    if not proposals:
        return []
    lon = np.array([p.lon for p in proposals])
    lat = np.array([p.lat for p in proposals])
    labels = group_points(lon, lat, radius_m)
    out = []
    kinds = list(Kind)
    for g in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == g)
        members = tuple(sorted((proposals[i] for i in idx), key=lambda p: p.id))
        cx, cy = _centroid(lon[idx], lat[idx])
        counts = Counter(p.kind for p in members if p.kind is not None)
        kind = min(counts, key=lambda k: (-counts[k], kinds.index(k))) if counts else None
        out.append(
            ProposalGroup(
                id=members[0].id,
                proposals=members,
                lon=cx,
                lat=cy,
                proposers=len({p.identity for p in members}),
                kind=kind,
                amenities=tuple(sorted({a for p in members for a in p.amenities})),
            )
        )
    return sorted(out, key=lambda grp: grp.id)


def groups_as_candidates(groups: Iterable[ProposalGroup]) -> pd.DataFrame:
    """Proposal groups as candidate sites for :func:`geo.siting.suggest_sites`.

    One row per group at its centroid, with the columns the siting engine takes:
    ``id`` (``proposal-<group id>``), ``name`` (the proposer count; notes are
    free text from the public and stay out), ``lon``, ``lat`` and ``source``.
    """
    rows = [
        {
            "id": f"proposal-{g.id}",
            "name": f"proposal group {g.id} ({g.proposers} proposer(s))",
            "lon": g.lon,
            "lat": g.lat,
            "source": "proposal",
        }
        for g in groups
    ]
    return pd.DataFrame(rows, columns=["id", "name", "lon", "lat", "source"])


def rank_groups(
    groups: Iterable[ProposalGroup],
    demand: pd.DataFrame | None,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
) -> list[ProposalGroup]:
    """Order proposal groups for review: most demand newly covered, then most proposers.

    Parameters
    ----------
    groups
        Groups from :meth:`Feedback.groups`.
    demand
        ``lon``, ``lat`` and ``weight`` of demand points; None ranks by
        proposers alone (``gain`` stays None).
    station_lon, station_lat
        Existing open stations (WGS-84), which cover already.
    network
        Walking network, for ``standard="walk"`` (the 15-minute standard).
    standard, minutes, radius_m, walk_speed_kmh
        As in :func:`geo.siting.site_gains`.

    Returns
    -------
    list of ProposalGroup
        Copies with ``gain`` and ``rank`` (1 first) set, in rank order; ties
        fall to the older group.
    """
    from geo.siting import site_gains

    items = list(groups)
    if not items:
        return []
    if demand is None:
        gains: list[float | None] = [None] * len(items)
    else:
        cands = pd.DataFrame({"lon": [g.lon for g in items], "lat": [g.lat for g in items]})
        arr = site_gains(
            cands,
            demand,
            station_lon,
            station_lat,
            network=network,
            standard=standard,
            minutes=minutes,
            radius_m=radius_m,
            walk_speed_kmh=walk_speed_kmh,
        )
        gains = [float(v) for v in arr]
    scored = [replace(g, gain=v) for g, v in zip(items, gains, strict=True)]
    scored.sort(key=lambda g: (-(g.gain or 0.0), -g.proposers, g.id))
    return [replace(g, rank=i) for i, g in enumerate(scored, start=1)]


class Feedback:
    """Reports and proposals stored beside a registry's stations.

    Parameters
    ----------
    registry
        The registry whose file, connection and lock the tables share.

    Examples
    --------
    >>> reg = StationRegistry(":memory:")
    >>> _ = reg.add(Station("a", "Library", Kind.WORKER_STATION, 24.94, 60.17,
    ...                     opening_hours="Mo-Fr 08:00-18:00"))
    >>> fb = Feedback(reg)
    >>> r = fb.report("a", "wrong_hours", hours="Mo-Su 07:00-22:00", text="open on weekends now")
    >>> fb.open_report_counts()
    {'a': 1}
    >>> _ = fb.accept_report(r.id, actor="planner-li")
    >>> reg.get("a").opening_hours, reg.history("a")[-1].actor
    ('Mo-Su 07:00-22:00', 'planner-li')
    """

    def __init__(self, registry: StationRegistry) -> None:
        self.registry = registry
        with registry._lock:
            registry._db.executescript(_SCHEMA)

    # -- plumbing --------------------------------------------------------
    def _tx(self, body: Callable[[sqlite3.Cursor], Any]) -> Any:
        """Run ``body`` in one transaction that changes no station."""
        reg = self.registry
        with reg._lock:
            cur = reg._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                out = body(cur)
                cur.execute(_BUMP)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            return out

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self.registry._lock:
            return self.registry._db.execute(sql, tuple(params)).fetchall()

    @property
    def version(self) -> int:
        """A counter that grows with every report or proposal write (for caches)."""
        return int(self._read("SELECT value FROM meta WHERE key='feedback_version'")[0][0])

    # -- reports ---------------------------------------------------------
    def report(
        self,
        station_id: str,
        kind: ReportKind | str,
        *,
        text: str = "",
        lon: float | None = None,
        lat: float | None = None,
        crs: CoordSystem | str = "wgs84",
        hours: str = "",
        amenity: str = "",
        contact: str = "",
        client: str = "",
    ) -> Report:
        """Record a report on a station (a confirmation is applied at once).

        Parameters
        ----------
        station_id
            The station; raises :class:`~geo.errors.NotFoundError` if absent.
        kind
            One of :class:`ReportKind`.
        text
            Free text, at most :data:`MAX_TEXT` characters.
        lon, lat, crs
            Optional position (required for ``wrong_location``), in ``crs``.
        hours
            Proposed opening hours; required for ``wrong_hours``.
        amenity
            Amenity code; required for ``amenity_missing``.
        contact, client
            The submitter's contact and client address (kept for planners).

        Returns
        -------
        Report
            The stored report.

        Raises
        ------
        InvalidInputError
            On a wrong field; the message names it. Nothing is written.
        """
        try:
            k = ReportKind(str(kind).strip())
        except ValueError:
            raise InvalidInputError(
                f"kind={kind!r} is not a report kind; use one of {', '.join(ReportKind)}"
            ) from None
        body_text = _text(text, name="text")
        who = _text(contact, name="contact", limit=MAX_CONTACT)
        addr = _text(client, name="client", limit=MAX_CONTACT)
        x, y = _position(lon, lat, crs)
        hrs = _text(hours, name="hours")
        code = _text(amenity, name="amenity").strip()
        code = AMENITY_WORDS.get(code, code.lower())  # 饮用水 as well as water
        if k is ReportKind.WRONG_LOCATION and x is None:
            raise InvalidInputError("lon/lat: a wrong_location report needs the right position")
        if k is ReportKind.WRONG_HOURS:
            if not hrs:
                raise InvalidInputError("hours: a wrong_hours report needs the right hours")
            hrs = normalize_hours(hrs, field_name="hours")  # Chinese phrasings too
        elif hrs:
            raise InvalidInputError(f"hours is only for wrong_hours reports, not {k}")
        if k is ReportKind.AMENITY_MISSING:
            if code not in AMENITIES:
                raise InvalidInputError(
                    f"amenity={amenity!r} is not in the amenity vocabulary; use one of "
                    + ", ".join(AMENITIES)
                )
        elif code:
            raise InvalidInputError(f"amenity is only for amenity_missing reports, not {k}")
        stamp = _now()
        row = (station_id, str(k), body_text, x, y, hrs, code, who, addr, stamp)
        insert = (
            "INSERT INTO reports (station_id, kind, text, lon, lat, hours, amenity, contact, "
            "client, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        out: list[Report] = []

        def check(cur: sqlite3.Cursor) -> None:
            if cur.execute("SELECT 1 FROM stations WHERE id=?", (station_id,)).fetchone() is None:
                raise NotFoundError(f"no station with id {station_id!r}")

        if k is not ReportKind.CONFIRMED:

            def plain(cur: sqlite3.Cursor) -> None:
                check(cur)
                cur.execute(insert, row)
                out.append(self._report_in(cur, int(cur.lastrowid or 0)))

            self._tx(plain)
            return out[0]

        def confirm(cur: sqlite3.Cursor) -> list[tuple[str, int, Station]]:
            check(cur)
            cur.execute(insert, row)
            rid = int(cur.lastrowid or 0)
            cur.execute(
                "UPDATE reports SET status='accepted', resolved_at=?, resolved_by=?, "
                "resolution=? WHERE id=?",
                (stamp, "confirmation", "visited and all fine", rid),
            )
            cur.execute(_BUMP)
            out.append(self._report_in(cur, rid))
            return self.registry._update_in(cur, station_id, {"last_verified": stamp})

        self.registry._write(confirm, actor="rider", note="confirmation: visited and all fine")
        return out[0]

    @staticmethod
    def _report_in(cur: sqlite3.Cursor, report_id: int) -> Report:
        row = cur.execute(f"SELECT {_REPORT_COLS} FROM reports WHERE id=?", (report_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no report with id {report_id}")
        return _row_report(row)

    def get_report(self, report_id: int) -> Report:
        """One report; raises :class:`~geo.errors.NotFoundError` when absent."""
        rid = _row_id(report_id, what="report")
        rows = self._read(f"SELECT {_REPORT_COLS} FROM reports WHERE id=?", (rid,))
        if not rows:
            raise NotFoundError(f"no report with id {report_id}")
        return _row_report(rows[0])

    def reports(
        self,
        *,
        status: ReviewStatus | str | None = None,
        station_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Report]]:
        """Reports, newest first, filtered by status and station.

        Returns
        -------
        tuple
            The number matching in all, and the page.
        """
        check_page(limit, offset)
        where, params = [], []
        st = _parse_status(status)
        if st is not None:
            where.append("status=?")
            params.append(str(st))
        if station_id is not None:
            where.append("station_id=?")
            params.append(station_id)
        cond = (" WHERE " + " AND ".join(where)) if where else ""
        total = self._read(f"SELECT count(*) FROM reports{cond}", params)[0][0]
        rows = self._read(
            f"SELECT {_REPORT_COLS} FROM reports{cond} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return int(total), [_row_report(r) for r in rows]

    def open_report_counts(self) -> dict[str, int]:
        """Station id → number of open reports (stations without any are absent)."""
        rows = self._read(
            "SELECT station_id, count(*) FROM reports WHERE status='open' GROUP BY station_id"
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def reported_closed(self) -> frozenset[str]:
        """Ids of stations with an unresolved "closed for good" report.

        Pass them as :attr:`geo.registry.StationFilter.exclude_ids` to leave
        those stations out of nearest queries and listings.
        """
        rows = self._read(
            "SELECT DISTINCT station_id FROM reports WHERE status='open' AND kind='closed'"
        )
        return frozenset(str(r[0]) for r in rows)

    def accept_report(self, report_id: int, *, actor: str = "planner", note: str = "") -> Report:
        """Apply a report to its station, in one transaction with its status and history.

        Parameters
        ----------
        report_id
            An open report.
        actor
            Who accepts it (recorded in the station's history).
        note
            Why, for the history and the report.

        Returns
        -------
        Report
            The report, now ``accepted``.

        Raises
        ------
        NotFoundError
            When the report (or its station) does not exist; nothing changes.
        ConflictError
            When it is not open (accepted or rejected already, perhaps by a
            concurrent request); nothing changes.
        """
        who = _text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = _text(note, name="note")
        rid = _row_id(report_id, what="report")
        out: list[Report] = []
        stamp = _now()

        def body(cur: sqlite3.Cursor) -> list[tuple[str, int, Station]]:
            rep = self._report_in(cur, rid)
            n = cur.execute(
                "UPDATE reports SET status='accepted', resolved_at=?, resolved_by=?, "
                "resolution=? WHERE id=? AND status='open'",
                (stamp, who, why, rid),
            ).rowcount
            if n != 1:
                raise ConflictError(f"report {rid} is {rep.status} already, not open")
            changes: dict[str, Any] = {"last_verified": stamp}
            if rep.kind is ReportKind.CLOSED:
                changes["status"] = Status.CLOSED
            elif rep.kind is ReportKind.WRONG_LOCATION:
                changes.update(lon=rep.lon, lat=rep.lat)
            elif rep.kind is ReportKind.WRONG_HOURS:
                # The report's hours are normalised; the station's old wording no longer holds.
                changes.update(opening_hours=rep.hours, opening_hours_text="")
            elif rep.kind is ReportKind.AMENITY_MISSING:
                row = cur.execute(
                    "SELECT amenities FROM stations WHERE id=?", (rep.station_id,)
                ).fetchone()
                if row is not None:
                    have = [a for a in str(row[0]).split(";") if a]
                    changes["amenities"] = tuple(a for a in have if a != rep.amenity)
            cur.execute(_BUMP)
            out.append(self._report_in(cur, rid))
            return self.registry._update_in(cur, rep.station_id, changes)

        history_note = f"report {rid} accepted" + (f": {why}" if why else "")
        self.registry._write(body, actor=who, note=history_note)
        return out[0]

    def reject_report(self, report_id: int, *, actor: str = "planner", note: str = "") -> Report:
        """Mark an open report rejected; its station is not touched.

        Raises
        ------
        NotFoundError
            When the report does not exist.
        ConflictError
            When it is not open.
        """
        who = _text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = _text(note, name="note")
        rid = _row_id(report_id, what="report")

        def body(cur: sqlite3.Cursor) -> Report:
            rep = self._report_in(cur, rid)
            n = cur.execute(
                "UPDATE reports SET status='rejected', resolved_at=?, resolved_by=?, "
                "resolution=? WHERE id=? AND status='open'",
                (_now(), who, why, rid),
            ).rowcount
            if n != 1:
                raise ConflictError(f"report {rid} is {rep.status} already, not open")
            return self._report_in(cur, rid)

        return self._tx(body)  # type: ignore[no-any-return]

    # -- proposals -------------------------------------------------------
    def propose(
        self,
        lon: float,
        lat: float,
        *,
        crs: CoordSystem | str = "wgs84",
        note: str = "",
        kind: Kind | str | None = None,
        amenities: Iterable[str] | str | None = None,
        proposer: str = "",
        contact: str = "",
        client: str = "",
    ) -> Proposal:
        """Record a proposed site for a new station.

        Parameters
        ----------
        lon, lat, crs
            The site, in ``crs``.
        note
            Free text, at most :data:`MAX_TEXT` characters.
        kind
            Kind of station wanted, or None.
        amenities
            Amenity codes wanted.
        proposer
            The proposer's id (an app's user id), for counting distinct proposers.
        contact, client
            Contact and client address, kept for planners.

        Returns
        -------
        Proposal
            The stored proposal.
        """
        x, y = _position(lon, lat, crs)
        kinds = parse_kinds(None if kind is None or kind == "" else [str(kind)])
        wanted = parse_amenities(amenities, argument="amenities")
        fields = (
            _text(note, name="note"),
            str(next(iter(kinds))) if kinds else "",
            ";".join(wanted),
            _text(proposer, name="proposer", limit=MAX_CONTACT),
            _text(contact, name="contact", limit=MAX_CONTACT),
            _text(client, name="client", limit=MAX_CONTACT),
        )

        def body(cur: sqlite3.Cursor) -> Proposal:
            cur.execute(
                "INSERT INTO proposals (lon, lat, note, kind, amenities, proposer, contact, "
                "client, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (x, y, *fields, _now()),
            )
            return self._proposal_in(cur, int(cur.lastrowid or 0))

        return self._tx(body)  # type: ignore[no-any-return]

    @staticmethod
    def _proposal_in(cur: sqlite3.Cursor, proposal_id: int) -> Proposal:
        row = cur.execute(
            f"SELECT {_PROPOSAL_COLS} FROM proposals WHERE id=?", (proposal_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no proposal with id {proposal_id}")
        return _row_proposal(row)

    def get_proposal(self, proposal_id: int) -> Proposal:
        """One proposal; raises :class:`~geo.errors.NotFoundError` when absent."""
        rows = self._read(
            f"SELECT {_PROPOSAL_COLS} FROM proposals WHERE id=?",
            (_row_id(proposal_id, what="proposal"),),
        )
        if not rows:
            raise NotFoundError(f"no proposal with id {proposal_id}")
        return _row_proposal(rows[0])

    def proposals(self, *, status: ReviewStatus | str | None = ReviewStatus.OPEN) -> list[Proposal]:
        """Proposals with ``status`` (None: all), by id."""
        st = _parse_status(status)
        if st is None:
            rows = self._read(f"SELECT {_PROPOSAL_COLS} FROM proposals ORDER BY id")
        else:
            rows = self._read(
                f"SELECT {_PROPOSAL_COLS} FROM proposals WHERE status=? ORDER BY id", (str(st),)
            )
        return [_row_proposal(r) for r in rows]

    def groups(
        self,
        *,
        radius_m: float = PROPOSAL_GROUP_M,
        status: ReviewStatus | str | None = ReviewStatus.OPEN,
    ) -> list[ProposalGroup]:
        """Proposals with ``status`` grouped within ``radius_m`` (single linkage), by id."""
        return _groups(self.proposals(status=status), radius_m)

    def _group_in(self, cur: sqlite3.Cursor, proposal_id: int, radius_m: float) -> ProposalGroup:
        """Inside a transaction: the open group holding ``proposal_id``."""
        prop = self._proposal_in(cur, proposal_id)
        if prop.status is not ReviewStatus.OPEN:
            raise ConflictError(f"proposal {proposal_id} is {prop.status} already, not open")
        rows = cur.execute(
            f"SELECT {_PROPOSAL_COLS} FROM proposals WHERE status='open' ORDER BY id"
        ).fetchall()
        for grp in _groups([_row_proposal(r) for r in rows], radius_m):
            if proposal_id in grp.proposal_ids:
                return grp
        raise ConflictError(f"proposal {proposal_id} is not open")  # pragma: no cover

    def _close_group(
        self, cur: sqlite3.Cursor, grp: ProposalGroup, status: ReviewStatus, values: tuple[Any, ...]
    ) -> None:
        n = cur.execute(
            "UPDATE proposals SET status=?, station_id=?, resolved_at=?, resolved_by=?, "
            "resolution=? WHERE status='open' AND id IN (SELECT value FROM json_each(?))",
            (str(status), *values, json.dumps(list(grp.proposal_ids))),
        ).rowcount
        if n != len(grp.proposals):
            raise ConflictError(f"proposal group {grp.id} changed while it was reviewed; try again")

    def accept_proposal(
        self,
        proposal_id: int,
        *,
        name: str,
        actor: str = "planner",
        note: str = "",
        kind: Kind | str | None = None,
        station_id: str | None = None,
        radius_m: float = PROPOSAL_GROUP_M,
    ) -> tuple[Station, ProposalGroup]:
        """Make a ``planned`` station of the group holding a proposal, in one transaction.

        The station stands at the group's centroid, with the kind given, else
        the kind most asked for, else ``worker_station``, and the amenities
        asked for. Every member proposal is marked accepted with its id.

        Parameters
        ----------
        proposal_id
            Any open proposal of the group.
        name
            The new station's name.
        actor, note
            Who accepts it and why (the station's history).
        kind
            The station's kind; default as above.
        station_id
            The new station's id; default ``proposal-<group id>``.
        radius_m
            Grouping distance, metres.

        Returns
        -------
        tuple
            The new station and the group as it was accepted.

        Raises
        ------
        NotFoundError
            When there is no such proposal.
        ConflictError
            When it is not open, or the station id exists; nothing changes.
        InvalidInputError
            On a wrong name or kind.
        """
        who = _text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = _text(note, name="note")
        title = _text(name, name="name", limit=200)
        if not title:
            raise InvalidInputError("name: the new station needs a name")
        want = parse_kinds(None if kind is None or kind == "" else [str(kind)])
        out: list[tuple[Station, ProposalGroup]] = []

        def body(cur: sqlite3.Cursor) -> list[tuple[str, int, Station]]:
            grp = self._group_in(cur, _row_id(proposal_id, what="proposal"), radius_m)
            k = next(iter(want)) if want else (grp.kind or Kind.WORKER_STATION)
            sid = station_id or f"proposal-{grp.id}"
            stamp = _now()
            self._close_group(cur, grp, ReviewStatus.ACCEPTED, (sid, stamp, who, why))
            ids = ",".join(str(i) for i in grp.proposal_ids)
            st = Station(
                id=sid,
                name=title,
                kind=k,
                lon=grp.lon,
                lat=grp.lat,
                amenities=grp.amenities,
                status=Status.PLANNED,
                source=f"proposals:{ids}",
            )
            change = self.registry._add_in(cur, st)
            cur.execute(_BUMP)
            out.append((change[0][2], grp))
            return change

        ids_note = f"from proposal {int(proposal_id)}'s group" + (f": {why}" if why else "")
        self.registry._write(body, actor=who, note=ids_note)
        return out[0]

    def reject_proposal(
        self,
        proposal_id: int,
        *,
        actor: str = "planner",
        note: str = "",
        radius_m: float = PROPOSAL_GROUP_M,
    ) -> ProposalGroup:
        """Mark the group holding a proposal rejected.

        Raises
        ------
        NotFoundError
            When there is no such proposal.
        ConflictError
            When it is not open.
        """
        who = _text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = _text(note, name="note")

        def body(cur: sqlite3.Cursor) -> ProposalGroup:
            grp = self._group_in(cur, _row_id(proposal_id, what="proposal"), radius_m)
            self._close_group(cur, grp, ReviewStatus.REJECTED, ("", _now(), who, why))
            return grp

        return self._tx(body)  # type: ignore[no-any-return]
