"""The ``stationfinder`` commands the README shows, as runnable argument lists.

Each ```` ```bash ```` block's lines starting with ``.venv/bin/stationfinder`` (joined over
``\\`` continuations, ``# comments`` dropped) are read with the README's own notation:

* ``[ … ]`` is optional: it is included;
* ``a|b|c`` in one word, and ``x | y`` between groups of words, are alternatives: the first
  is taken, and each other one gives one more variant of the command. Between words, an
  alternative that starts with ``--`` replaces as many words before the ``|`` (``--step
  building | --link STATION_ID``, ``--proposal ID|--report ID``); one that starts with a word
  replaces the subcommand's words (``regions list | check [ID …] | add ID …``), the last
  running to the end of the line.

Placeholders (``my.sqlite``, ``city.osm.pbf``, ``ID`` …) are left for the test to fill.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Command", "readme_commands"]

PREFIX = ".venv/bin/stationfinder"


@dataclass(frozen=True)
class Command:
    """One variant of a README command: its words after ``stationfinder``, and the line."""

    words: tuple[str, ...]
    line: str

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _lines(readme: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    out: list[str] = []
    for block in blocks:
        joined = re.sub(r"\\\n\s*", " ", block)
        out += [ln.strip() for ln in joined.splitlines() if ln.strip().startswith(PREFIX)]
    return out


Seq = list["str | Group"]


@dataclass
class Group:
    """Alternatives, each a sequence of words and groups."""

    alternatives: list[Seq]


def _split_words(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    out: list[str] = []
    for w in words:
        # "ID|--report": an alternative of whole options, written without spaces.
        if "|" in w and any(p.startswith("--") for p in w.split("|")[1:]):
            head, *rest = w.split("|")
            out += [head]
            for r in rest:
                out += ["|", r]
        else:
            out.append(w)
    # Brackets as words of their own.
    spaced: list[str] = []
    for w in out:
        opens = len(w) - len(w.lstrip("["))
        closes = len(w) - len(w.rstrip("]"))
        core = w[opens : len(w) - closes] if closes else w[opens:]
        spaced += ["["] * opens + ([core] if core else []) + ["]"] * closes
    return spaced


def _parse(words: list[str], start: int = 0) -> tuple[Seq, int]:
    """A sequence up to a closing bracket (or the end); ``|`` inside brackets splits it."""
    alts: list[Seq] = [[]]
    i = start
    while i < len(words):
        w = words[i]
        if w == "[":
            seq, i = _parse(words, i + 1)
            alts[-1].append(seq[0] if len(seq) == 1 and isinstance(seq[0], Group) else Group([seq]))
            continue
        if w == "]":
            return [Group(alts)] if len(alts) > 1 else alts[0], i + 1
        if w == "|" and start > 0:
            alts.append([])
        else:
            alts[-1].append(w)
        i += 1
    return [Group(alts)] if len(alts) > 1 else alts[0], i


def _top_level(seq: Seq) -> Seq:
    """Group the alternatives written between words outside brackets (see the module)."""
    if "|" not in seq:
        return seq
    bar = seq.index("|")
    nxt = seq[bar + 1]
    if isinstance(nxt, str) and nxt.startswith("--"):
        begin = max(i for i in range(bar) if isinstance(seq[i], str) and seq[i].startswith("--"))
        width = bar - begin
        alts: list[Seq] = [list(seq[begin:bar])]
        i = bar
        while i < len(seq) and seq[i] == "|":
            alts.append(list(seq[i + 1 : i + 1 + width]))
            i += 1 + width
        return [*seq[:begin], Group(alts), *_top_level(list(seq[i:]))]
    begin = 2  # after the subcommand word: "regions list | check … | add …"
    parts: list[Seq] = [[]]
    for item in seq[begin:]:
        if item == "|":
            parts.append([])
        else:
            parts[-1].append(item)
    return [*seq[:begin], Group(parts)]


def _expand_words(seq: Seq) -> Seq:
    """``a|b`` within a word becomes a group of single words."""
    out: Seq = []
    for item in seq:
        if isinstance(item, str) and "|" in item and item != "|":
            out.append(Group([[a] for a in item.split("|")]))
        elif isinstance(item, Group):
            out.append(Group([_expand_words(a) for a in item.alternatives]))
        else:
            out.append(item)
    return out


def _groups(seq: Seq) -> list[Group]:
    found: list[Group] = []
    for item in seq:
        if isinstance(item, Group):
            found.append(item)
            for alt in item.alternatives:
                found += _groups(alt)
    return found


def _render(seq: Seq, pick: dict[int, int]) -> list[str]:
    out: list[str] = []
    for item in seq:
        if isinstance(item, Group):
            out += _render(item.alternatives[pick.get(id(item), 0)], pick)
        else:
            out.append(item)
    return out


def readme_commands(readme: Path) -> list[Command]:
    """Every variant of every ``stationfinder`` command in ``readme``'s bash blocks."""
    commands: list[Command] = []
    for line in _lines(readme.read_text(encoding="utf-8")):
        seq, _ = _parse(_split_words(line))
        seq = _expand_words(_top_level(seq))
        picks: list[dict[int, int]] = [{}]
        for g in _groups(seq):
            picks += [{id(g): k} for k in range(1, len(g.alternatives))]
        seen: set[tuple[str, ...]] = set()
        for pick in picks:
            words = tuple(_render(seq, pick)[1:])
            if words not in seen:
                seen.add(words)
                commands.append(Command(words, line))
    return commands
