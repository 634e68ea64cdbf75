"""POI sheets for the map apps: ``GET /exports/{platform}`` and the changes since the last one."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.responses import Response

from api.deps import CRS_HEADER, ServiceDep
from geo.poi_export import POI_PLATFORMS, poi_diff, poi_table, read_poi_table, write_poi_table

router = APIRouter(prefix="/exports", tags=["exports"])
PlatformPath = Literal["amap", "tencent", "baidu"]
_CSV = {200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte-order mark"}}


def _csv(table: pd.DataFrame, name: str, platform: str) -> Response:
    buf = io.StringIO()
    write_poi_table(table, buf)
    return Response(
        ("\ufeff" + buf.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            CRS_HEADER: POI_PLATFORMS[platform],  # the system the app reads
        },
    )


@router.get(
    "/{platform}",
    response_class=Response,
    responses=_CSV,
    summary="The open stations as a bulk POI sheet (GCJ-02 for amap/tencent, BD-09 for baidu)",
)
def export_poi(platform: PlatformPath, service: ServiceDep) -> Response:
    """Columns 编号, 名称, 地址, 分类, 电话, 营业时间, 经度, 纬度."""
    return _csv(poi_table(service.registry.stations(), platform), f"{platform}-poi.csv", platform)


@router.post(
    "/{platform}/changes",
    response_class=Response,
    responses=_CSV,
    summary="Only what changed since the sheet sent last (upload it): 操作 新增/修改/关闭",
)
def export_changes(
    platform: PlatformPath,
    service: ServiceDep,
    previous: Annotated[UploadFile, File(description="The POI sheet sent last")],
) -> Response:
    data = previous.file.read(service.settings.max_upload_bytes + 1)
    if len(data) > service.settings.max_upload_bytes:
        raise HTTPException(413, f"the file exceeds {service.settings.max_upload_bytes} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(previous.filename or "previous.csv").name
        path.write_bytes(data)
        old = read_poi_table(path)
    diff = poi_diff(old, poi_table(service.registry.stations(), platform))
    return _csv(diff.table(), f"{platform}-changes.csv", platform)
