"""Convert pose files between formats (.skels, .pose, .h5) and layouts (to PT-50).

A sequence that cannot be read (a bad .skels line, a bad .h5 group) is named, every other one
written, and the exit status is 1.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Fps, From, Input, Output, Quiet, To, Verbose, read_inputs, some_failed

EXAMPLES = [
    'signkit convert ../shared/data/phoenix14t/sample/dev.skels -o dev.h5',
    'signkit convert dev.h5 -o dev-copy.skels',
    'signkit convert ../shared/data/asl-lexicon/ase/hello.pose --layout pt50 -o hello-pt50.pose',
]


def _layout(value: str | None) -> str | None:
    if value not in (None, "pt50"):
        raise typer.BadParameter(f"{value!r}: the layout signkit converts to is pt50")
    return value


def command(
    file: Input = None,
    output: Output = None,
    source_format: From = None,
    target_format: To = None,
    layout: Optional[str] = typer.Option(None, "--layout", callback=_layout, metavar="LAYOUT", show_default=False,
                                         help="Convert poses to this layout: pt50."),
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.pose.convert import convert
    from signkit.pose.io import write_sequences

    log.configure(quiet, verbose)
    failures: list[str] = []
    sequences = read_inputs([file] if file else None, source_format, fps, failures)
    count = write_sequences(convert(sequences, layout), output, target_format)
    log.detail(f"converted {count} sequences")
    if failures:
        raise some_failed(len(failures), count)
