"""Render signing skeletons to video: any pose file (or standard input) to an H.264 MP4 or PNG frames.

Draws the signer as a skeleton in OpenPose colours, anti-aliased, centred and scaled so the
whole signer stays in view for the whole sequence; several sequences play one after another.
MP4 goes to standard output (fragmented, for pipes) or to a file (-o x.mp4, faststart); PNG
frames go to a folder (-o FOLDER or --to png).
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Fps, From, Input, Output, Quiet, Verbose

NAME = "render"
EXAMPLES = [
    'echo "hello" | signkit t2p | signkit render > hello.mp4',
    'signkit render ../shared/data/phoenix14t/sample/dev.skels -o dev.mp4 --size 640x480 --background black',
    'signkit render ../shared/data/asl-lexicon/ase/hello.pose -o hello-frames --to png',
]


COLOURS = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128), "gray": (128, 128, 128),
           "green": (0, 177, 64), "blue": (0, 71, 187)}  # green and blue: chroma-key screens


def _colour(value: str) -> tuple[int, int, int]:
    """A colour name of COLOURS, ``#rrggbb`` or ``R,G,B`` as an RGB tuple (usage error otherwise)."""
    text = value.strip().lower()
    try:
        if text in COLOURS:
            return COLOURS[text]
        if text.startswith("#") and len(text) == 7:
            return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
        parts = tuple(int(part) for part in text.split(","))
        if len(parts) == 3 and all(0 <= part <= 255 for part in parts):
            return parts
    except ValueError:
        pass
    raise typer.BadParameter(f"{value!r} is not a colour ({', '.join(COLOURS)}, #rrggbb or R,G,B)",
                             param_hint="--background")  # fmt: skip


def _size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not WIDTHxHEIGHT") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise typer.BadParameter(f"{value!r}: width and height must be 16 to 8192 pixels")
    return width, height


def _to(value: str | None) -> str | None:
    if value is not None and value not in ("mp4", "png"):
        raise typer.BadParameter(f"{value!r} is not mp4 or png")
    return value


def command(
    file: Input = None,
    output: Output = None,
    source_format: From = None,
    to: Optional[str] = typer.Option(None, "--to", callback=_to, metavar="FORMAT", show_default=False,
                                     help="Output: mp4 or png (default: mp4 for standard output or NAME.mp4, "
                                          "png for a folder or a name without suffix)."),
    size: str = typer.Option("512x512", "--size", callback=_size, metavar="WxH", help="Frame size in pixels."),
    background: str = typer.Option("white", "--background", callback=_colour, metavar="COLOUR",
                                   help="Background colour: white, black, grey, green, blue, #rrggbb or R,G,B."),
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.io import is_stdio, read_sequences
    from signkit.render.render import PNG, render

    log.configure(quiet, verbose)
    if to == PNG and is_stdio(output):
        raise typer.BadParameter("PNG frames go to a folder: add -o FOLDER", param_hint="--to")
    width, height = size
    sequences = read_sequences(file, source_format, fps)
    with log.progress("render") as advance:
        count = render(sequences, output, fmt=to, width=width, height=height, background=background,
                       on_frame=advance)  # fmt: skip
    log.detail(f"rendered {count} frames")
