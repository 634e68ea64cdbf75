"""Records of library tables: columns declared briefly, rows read back into dataclasses.

Modules that keep records beside the stations (reports, proposals,
inspections, closures) declare their :class:`~geo.stations.tables.Table`
with :func:`text_columns` and read what :meth:`~geo.stations.store.RecordReader.select`
returns with :func:`record_from_row`, so the declaration and the reading are
written once.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Note:
...     id: int
...     text: str
...     tags: tuple[str, ...] = ()
...     receipt: str = ""
>>> record_from_row(Note, {"id": "3", "text": "hi", "tags": "a;b"}, id=int, tags=split_codes)
Note(id=3, text='hi', tags=('a', 'b'), receipt='')
>>> [c.name for c in text_columns("text", "tags")]
['text', 'tags']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from geo.stations.tables import Column

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["record_from_row", "split_codes", "text_columns"]

RecordT = TypeVar("RecordT", bound="DataclassInstance")


def text_columns(*names: str) -> tuple[Column, ...]:
    """Text columns that default to the empty string, one per name, in order.

    Parameters
    ----------
    *names
        Column names.

    Returns
    -------
    tuple of Column
        ``Column(name, "text", "")`` for each name.
    """
    return tuple(Column(name, "text", "") for name in names)


def split_codes(text: str) -> tuple[str, ...]:
    """Codes stored ``;``-separated (amenities), without empty ones.

    Parameters
    ----------
    text
        The stored text, e.g. ``"water;toilet"``.

    Returns
    -------
    tuple of str
        The codes in stored order.
    """
    return tuple(code for code in text.split(";") if code)


def record_from_row(
    cls: type[RecordT], row: Mapping[str, Any], **convert: Callable[[Any], Any]
) -> RecordT:
    """A dataclass record from a table row: each field the row has, converted where asked.

    Parameters
    ----------
    cls
        The record's dataclass; fields the row lacks (a submission's receipt)
        keep their defaults.
    row
        Column name → value, as a store's ``select`` returns it.
    **convert
        Field name → function applied to the row's value (e.g. ``id=int``);
        other fields take the value as it is.

    Returns
    -------
    RecordT
        The record.
    """
    values = {
        f.name: convert[f.name](row[f.name]) if f.name in convert else row[f.name]
        for f in dataclasses.fields(cls)
        if f.name in row
    }
    return cls(**values)
