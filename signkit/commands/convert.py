"""Convert pose files between formats (.skels, .pose, .h5) and layouts (to PT-50, or to slrtp178 with
the face), in PT-50's normalised convention (neck at the origin, shoulder width 1/3).

A sequence that cannot be read (a bad .skels line, a bad .h5 group) is named, every other one
written, and the exit status is 1.
"""

from __future__ import annotations

from signkit import log
from signkit.commands.options import Fps, From, Input, Layout, Output, Quiet, To, Verbose, read_inputs, some_failed

EXAMPLES = [
    'signkit convert ../shared/data/phoenix14t/sample/dev.skels -o dev.h5',
    'signkit convert dev.h5 -o dev-copy.skels',
    'signkit convert ../shared/data/asl-lexicon/ase/hello.pose --layout pt50 -o hello-pt50.pose',
    'signkit convert ../shared/data/dgs-sentences/test/test_1_original.pose --layout slrtp178 -o test_1.skels',
]


def command(
    file: Input = None,
    output: Output = None,
    source_format: From = None,
    target_format: To = None,
    layout: Layout = None,
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
