"""pytest hooks for the benchmarks run with pytest-benchmark (``bench/README.md``)."""

from __future__ import annotations

from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parent / "results"


def pytest_configure(config: pytest.Config) -> None:
    """Create ``bench/results/`` (not in git) before ``--benchmark-json`` writes there."""
    RESULTS.mkdir(exist_ok=True)
