"""How a batch run tells of a region that fails: one line per failed attempt, naming the
region, the attempt and the reason, and every traceback in one log file.

:func:`geo.batch.run_batch` retries a failed region itself (not through Dask's own
retries), so each attempt is seen and told once, however many workers log it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

__all__ = ["FAILURES_LOG", "FailureLog", "one_line_reason"]

log = logging.getLogger(__name__)

FAILURES_LOG = "failures.log"
"""The log file in the output folder that holds the tracebacks of failed attempts."""


def one_line_reason(exc: BaseException) -> str:
    """The error's type and message on one line (``ValueError: bad pbf``)."""
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text}"


@dataclass
class FailureLog:
    """The failures of one run: told one line each, tracebacks kept in ``path``.

    Parameters
    ----------
    path
        The log file; written afresh by the run's first failure, appended to after.
    say
        Where each one-line message goes (default: this module's logger, warning).
    """

    path: Path
    say: Callable[[str], None] | None = None
    count: int = field(default=0, init=False)

    def record(
        self,
        region: str,
        exc: BaseException,
        tb: TracebackType | None = None,
        *,
        attempt: int | None = None,
        tries: int | None = None,
    ) -> str:
        """Tell one failure in one line and append its traceback to the log; the reason.

        ``attempt`` of ``tries`` says which try failed; None: the region's inputs could
        not be read, before any try.
        """
        reason = one_line_reason(exc)
        when = "reading its inputs" if attempt is None else f"attempt {attempt} of {tries}"
        trace = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
        mode = "a" if self.count else "w"
        with self.path.open(mode, encoding="utf-8") as f:
            f.write(f"=== region {region}, {when}\n{trace}\n")
        self.count += 1
        line = f"region {region}: {when} failed: {reason} (traceback in {self.path})"
        (self.say or log.warning)(line)
        return reason
