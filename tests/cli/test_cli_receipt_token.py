"""A receipt token never starts with "-", which ``stationfinder receipt TOKEN`` would take for
an option (one draw in 64 did, and the command failed with a usage error)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import geo.feedback.receipts
from cli.main import main
from geo.feedback import Feedback
from geo.stations import open_store


def test_receipt_tokens_never_start_with_a_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    draws: Iterator[str] = iter(["-" + "a" * 21, "-" + "b" * 21, "Q" + "c" * 21])
    monkeypatch.setattr(geo.feedback.receipts.secrets, "token_urlsafe", lambda n: next(draws))
    db = str(tmp_path / "r.sqlite")
    with open_store(db) as store:
        prop = Feedback(store).propose(24.94, 60.17, proposer="a")
    assert prop.receipt == "Q" + "c" * 21  # the two drawn with a dash were drawn again
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["receipt", prop.receipt, "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "submitted"
