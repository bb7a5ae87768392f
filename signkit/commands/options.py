"""Options shared by every command, defined once so they mean the same everywhere."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from signkit.pose import FORMATS

Input = Annotated[Optional[str], typer.Argument(help="Input file; '-' or omitted: standard input.", show_default=False)]
Output = Annotated[Optional[str], typer.Option("-o", "--output", help="Output file; '-' or omitted: standard output.", show_default=False)]  # fmt: skip
Fps = Annotated[Optional[float], typer.Option("--fps", min=0.1, help="Frames per second.", show_default=False)]
From = Annotated[Optional[str], typer.Option("--from", help=f"Input format: {', '.join(FORMATS)} (default: suffix, else sniffed).", show_default=False)]  # fmt: skip
To = Annotated[Optional[str], typer.Option("--to", help=f"Output format: {', '.join(FORMATS)} (default: suffix, else skels).", show_default=False)]  # fmt: skip
Quiet = Annotated[bool, typer.Option("-q", "--quiet", help="Print nothing but errors.")]
Verbose = Annotated[bool, typer.Option("-v", "--verbose", help="Explain each step; show tracebacks.")]
Lexicons = Annotated[
    Optional[list[str]],
    typer.Option("--lexicon", envvar="SIGNKIT_LEXICON",
                 help="A sign lexicon folder (index.csv + .pose files); repeatable, searched in order "
                      "before the built-in ASL fingerspelling alphabet. SIGNKIT_LEXICON may list folders "
                      "separated by ':'.", show_default=False),
]  # fmt: skip


def check_format(value: str | None, option: str) -> str | None:
    """Reject an unknown format name as a usage error (exit 2)."""
    if value is not None and value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}", param_hint=option)
    return value
