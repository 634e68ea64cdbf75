"""Exception hierarchy of the library.

Every error derives from :class:`GeoError` and from the builtin it matches, so
callers may catch either, and the API maps each class to one HTTP status.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "GeoError",
    "ImportValidationError",
    "InvalidInputError",
    "LocalizedInputError",
    "NoRegionError",
    "NotFoundError",
    "OffNetworkError",
    "SolverError",
]


class GeoError(Exception):
    """Root of every error raised by :mod:`geo`."""


class InvalidInputError(GeoError, ValueError):
    """An argument has a wrong value; the message names the argument and the value."""


class LocalizedInputError(InvalidInputError):
    """An invalid value whose explanation exists in Chinese and English.

    Parameters
    ----------
    en, zh
        The message in English (also ``str(exc)``) and in Chinese.
    """

    def __init__(self, en: str, zh: str) -> None:
        self.messages = {"en": en, "zh": zh}
        super().__init__(en)

    def message(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``; anything else gives English)."""
        return self.messages.get(lang, self.messages["en"])


class NotFoundError(GeoError, LookupError):
    """A station, file or other named thing does not exist."""


class ConflictError(GeoError, ValueError):
    """A write would break a uniqueness rule (for example a duplicate station id)."""


class OffNetworkError(GeoError, ValueError):
    """A point lies farther from any street than the snapping limit."""


class NoRegionError(InvalidInputError):
    """No declared region holds a point, so there is no street network to walk on there."""


class SolverError(GeoError, RuntimeError):
    """An optimisation solver ended without a usable answer; the message names its status."""


class ImportValidationError(GeoError, ValueError):
    """A station file failed validation; ``problems`` lists each row, column and reason.

    Parameters
    ----------
    path
        The file that was read.
    problems
        One entry per problem found.
    """

    def __init__(self, path: str, problems: list[object]) -> None:
        self.path = path
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{path}: {len(problems)} invalid row(s): {head}{more}")
