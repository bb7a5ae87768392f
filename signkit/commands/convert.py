"""Convert pose files between formats (.skels, .pose, .h5) and layouts (to PT-50)."""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Fps, From, Input, Output, Quiet, To, Verbose

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
    from signkit.pose.io import read_sequences, write_sequences
    from signkit.pose.convert import convert

    log.configure(quiet, verbose)
    sequences = read_sequences(file, source_format, fps)
    count = write_sequences(convert(sequences, layout), output, target_format)
    log.detail(f"converted {count} sequences")
