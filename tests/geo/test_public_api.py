"""``geo``'s flat namespace: every public name resolves to its home module's object, and
``import geo`` stays light (the heavy modules load on first use of one of their names)."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import geo
import geo.errors
import geo.types

HEAVY = ("pandas", "geopandas", "shapely", "scipy", "pyproj", "sqlite3", "psycopg", "rtree")


def _lazy_table() -> dict[str, str]:
    """Name → home module, read from geo/__init__.py's ``_LAZY`` literal (not from geo)."""
    tree = ast.parse(Path(geo.__file__).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_LAZY":
            table = ast.literal_eval(node.value)
            return {name: module for module, names in table.items() for name in names}
    raise AssertionError("geo/__init__.py has no _LAZY table")


def _type_checking_imports() -> dict[str, str]:
    """Name → module of the imports under ``if TYPE_CHECKING:`` in geo/__init__.py."""
    tree = ast.parse(Path(geo.__file__).read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                out.update({alias.name: imp.module for alias in imp.names})
    return out


def test_every_public_name_is_its_home_modules_object() -> None:
    lazy = _lazy_table()
    assert {"open_store", "StationStore", "Feedback", "coverage_report"} <= set(lazy)
    assert {"Station", "Kind", "GeoError", "__version__"} <= set(geo.__all__)
    for name, module in lazy.items():
        assert getattr(geo, name) is getattr(import_module(module), name), name
        assert name in import_module(module).__all__, f"{module} does not export {name}"
    for module in (geo.errors, geo.types):
        for name in module.__all__:
            assert getattr(geo, name) is getattr(module, name)
    expected = [*geo.errors.__all__, *geo.types.__all__, *lazy, "__version__"]
    assert sorted(geo.__all__) == sorted(expected)
    assert len(set(geo.__all__)) == len(geo.__all__)  # no name exported twice
    assert set(geo.__all__) <= set(dir(geo))


def test_type_checkers_see_the_same_names_as_the_lazy_table() -> None:
    assert _type_checking_imports() == _lazy_table()


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        _ = geo.no_such_name  # type: ignore[attr-defined]
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("geo.no_such_name resolved")


def test_star_import_gives_the_public_names() -> None:
    space: dict[str, object] = {}
    exec("from geo import *", space)
    assert set(space) - {"__builtins__"} == set(geo.__all__)
    assert space["open_store"] is import_module("geo.stations").open_store


def test_import_geo_loads_no_heavy_module() -> None:
    code = (
        "import sys, geo; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules)); "
        "geo.open_store; print('pandas' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    heavy, after = run.stdout.splitlines()
    assert heavy == ""
    assert after == "False"  # the store layer itself needs no pandas
