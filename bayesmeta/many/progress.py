"""A one-line progress bar on stderr: done/total, rate and time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Progress of a run, redrawn in place at most ten times a second.

    Parameters
    ----------
    total : int
        Tasks in the run (those already done by a resumed run included).
    done : int, default 0
        Tasks already done when the run starts.
    enabled : bool, optional
        Draw the bar; by default only when ``stream`` is a terminal.
    stream : text stream, optional
        Where to draw (default ``sys.stderr``).
    label : str, default "tasks"
        What is counted.
    """

    def __init__(
        self,
        total: int,
        *,
        done: int = 0,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        label: str = "tasks",
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.done, self.start_done, self.label = total, done, done, label
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        """Count ``count`` more tasks as done and redraw.

        Parameters
        ----------
        count : int
            Tasks just finished.

        Returns
        -------
        None
        """
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._drawn > 0.1 or self.done >= self.total):
            self._drawn = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """The bar's text.

        Parameters
        ----------
        now : float, optional
            ``time.monotonic()`` (default: now).

        Returns
        -------
        str
            e.g. ``[#####.....] 512/1024 tasks  85.3/s  6s left``.
        """
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rate = (self.done - self.start_done) / elapsed
        share = self.done / self.total if self.total else 1.0
        bar = "#" * int(20 * share) + "." * (20 - int(20 * share))
        left = f"  {(self.total - self.done) / rate:.0f}s left" if rate > 0 else ""
        return f"[{bar}] {self.done}/{self.total} {self.label}  {rate:.1f}/s{left}"

    def close(self) -> None:
        """End the bar's line.

        Returns
        -------
        None
        """
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
