"""Messages and progress on standard error, never on standard output.

Commands call :func:`configure` with their ``-q``/``-v`` flags; library code does not print, it
returns values or raises :class:`signkit.errors.SignkitError`, and takes callbacks where a command
wants to report as it goes. Progress bars are drawn only when standard error is a terminal.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from rich.console import Console

console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)  # "<stdin>:100:" stays text
_state = {"level": 1}  # 0 quiet, 1 normal, 2 verbose


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """Set the verbosity for the rest of the process: ``-q`` silences, ``-v`` explains.

    Under ``accelerate launch`` or ``torchrun`` (``WORLD_SIZE`` above 1) only the first process
    (``RANK`` 0) speaks: the others are quiet, so a run reports once.

    Args:
        quiet: show no messages or progress (level 0); wins over ``verbose``.
        verbose: show :func:`detail` messages too (level 2); also set by ``SIGNKIT_DEBUG=1``.
    """
    other_process = os.environ.get("WORLD_SIZE", "1") != "1" and os.environ.get("RANK", "0") != "0"
    _state["level"] = 0 if quiet or other_process else 2 if verbose or debug() else 1


def debug() -> bool:
    """True when tracebacks are wanted: ``-v`` or ``SIGNKIT_DEBUG=1``."""
    return _state["level"] >= 2 or os.environ.get("SIGNKIT_DEBUG", "") not in ("", "0")


def info(message: str) -> None:
    """A message shown unless ``-q``."""
    if _state["level"] >= 1:
        console.print(message, markup=False)


def detail(message: str) -> None:
    """A message shown only with ``-v``."""
    if _state["level"] >= 2:
        console.print(message, markup=False)


@contextmanager
def progress(description: str, total: float | None = None, unit: str = "frames"):
    """A rich progress bar on standard error. Silent off a terminal or with ``-q``.

    Args:
        description: the label drawn left of the bar.
        total: the number of units expected, or None for an open-ended bar.
        unit: the unit named in the speed column (e.g. ``frames``, shown as ``frames/s``).

    Yields:
        ``advance(n=1)``: call it to move the bar on by ``n`` units (a no-op when silent).
    """
    if _state["level"] == 0 or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Speed(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed or 0:>7.0f} {unit}/s")

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Speed(), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
