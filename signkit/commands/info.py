"""Describe a pose file: format, layout, sequences, frames, fps and missing points per component."""

from __future__ import annotations

import json

import typer

from signkit import log
from signkit.commands.options import From, Input, Quiet, Verbose

EXAMPLES = [
    'signkit info ../shared/data/phoenix14t/sample/dev.skels',
    'signkit info --json ../shared/data/asl-lexicon/ase/hello.pose',
    'echo hello | signkit t2p | signkit info',
]


def command(
    file: Input = None,
    source_format: From = None,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.pose.info import info

    log.configure(quiet, verbose)
    summary = info(file, source_format)
    if as_json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    print(f"file        {summary['file']}")
    print(f"format      {summary['format']}")
    print(f"layout      {', '.join(summary['layouts'])}")
    print(f"sequences   {summary['sequences']}")
    print(f"frames      {summary['frames']} (min {summary['frames_min']}, max {summary['frames_max']})")
    print(f"fps         {', '.join(f'{fps:g}' for fps in summary['fps'])}")
    print(f"duration    {summary['seconds']:.2f} s")
    print("missing     " + "  ".join(f"{name} {share:.1%}" for name, share in summary["missing"].items()))
