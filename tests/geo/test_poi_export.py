"""POI sheets for the map apps (issue 22): coordinates against eviltransform, the diff against a
hand-made pair of registries, and a round trip through the CSV file."""

from __future__ import annotations

from pathlib import Path

import eviltransform as ev
import numpy as np
import pytest

from geo.errors import InvalidInputError
from geo.poi_export import POI_COLUMNS, poi_diff, poi_table, read_poi_table, write_poi_table
from geo.types import Kind, Station, Status

BEFORE = [
    Station("a", "福田驿站", Kind.WORKER_STATION, 114.0579, 22.5431, address="福华路1号",
            phone="0755-1", opening_hours="24/7"),
    Station("b", "南山骑士驿站", Kind.RIDER_STATION, 113.9305, 22.5333,
            opening_hours="Mo-Fr 08:00-20:00"),
    Station("c", "罗湖司机之家", Kind.DRIVER_HOME, 114.1315, 22.5484),
    Station("d", "=HYPERLINK(\"x\")", Kind.SMART_STATION, 114.02, 22.61),
    Station("p", "计划站", Kind.WORKER_STATION, 114.0, 22.6, status=Status.PLANNED),
]  # fmt: skip
AFTER = [
    BEFORE[0],  # unchanged
    BEFORE[1].replace(opening_hours="Mo-Su 08:00-22:00"),  # changed hours
    BEFORE[2].replace(status=Status.CLOSED),  # closed
    BEFORE[3].replace(lon=114.0201),  # moved ~10 m
    BEFORE[4].replace(status=Status.OPEN),  # opened: added
    Station("e", "宝安驿站", Kind.WORKER_STATION, 113.88, 22.55),  # new: added
]


@pytest.mark.parametrize(("platform", "to"), [("amap", ev.wgs2gcj), ("tencent", ev.wgs2gcj),
                                              ("baidu", ev.wgs2bd)])  # fmt: skip
def test_coordinates_match_eviltransform(platform: str, to: object) -> None:
    table = poi_table(BEFORE, platform)
    assert list(table.columns) == list(POI_COLUMNS)
    assert list(table["编号"]) == ["a", "b", "c", "d"]  # open stations only
    for st, (_, row) in zip(BEFORE, table.iterrows(), strict=False):
        lat, lon = to(st.lat, st.lon)  # type: ignore[operator]
        assert abs(row["经度"] - lon) < 6e-7 and abs(row["纬度"] - lat) < 6e-7
        # The shift is real: tens to hundreds of metres.
        assert abs(row["经度"] - st.lon) > 1e-3


def test_diff_of_two_registries() -> None:
    for platform in ("amap", "baidu"):
        diff = poi_diff(poi_table(BEFORE, platform), poi_table(AFTER, platform))
        assert list(diff.added["编号"]) == ["e", "p"]
        assert list(diff.changed["编号"]) == ["b", "d"]
        assert list(diff.closed["编号"]) == ["c"]
        sheet = diff.table()
        assert list(sheet["操作"]) == ["新增", "新增", "修改", "修改", "关闭"]
    same = poi_diff(poi_table(BEFORE, "amap"), poi_table(BEFORE, "amap"))
    assert len(same.table()) == 0


def test_round_trip_through_the_file_and_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "amap.csv"
    table = poi_table(BEFORE, "amap")
    write_poi_table(table, path)
    raw = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and ",=HYPERLINK" not in raw  # not run as a formula
    back = read_poi_table(path)
    assert back["名称"].tolist() == table["名称"].tolist()
    np.testing.assert_allclose(back["经度"], table["经度"], atol=1e-9)
    # Diff against the file sent last time: only the real changes.
    diff = poi_diff(back, poi_table(AFTER, "amap"))
    assert (len(diff.added), len(diff.changed), len(diff.closed)) == (2, 2, 1)


def test_wrong_platform_and_sheet(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="format='google'"):
        poi_table(BEFORE, "google")
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,经度\nx,1\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad\.csv: not a POI sheet.*编号"):
        read_poi_table(bad)
    for content, reason in [(b"", "empty"), (b"\xff\xfe\x00garbage\n\xc3", "not UTF-8 CSV")]:
        bad.write_bytes(content)
        with pytest.raises(InvalidInputError, match=rf"bad\.csv: not a POI sheet \({reason}\)"):
            read_poi_table(bad)
