"""Text to signing poses: English sentences (one a line) to PT-50 skeletons, one sequence a line.

The embedded default needs no training and no download: each sentence becomes ASL glosses by
rules, each gloss a sign from the lexicons (exact gloss, then lemma), fingerspelled letter by
letter where no sign exists, and the signs are joined into one fluent sequence with a rest pose
at start and end. Writes .skels to standard output, or .skels/.pose/.h5 with -o.
"""

from __future__ import annotations

import os

import typer

from signkit import log
from signkit.commands.options import Fps, Input, Lexicons, Output, Quiet, To, Verbose

NAME = "t2p"
EXAMPLES = [
    'echo "hello" | signkit t2p | signkit render > hello.mp4',
    'echo "Hello, thank you. My mother is happy today." | signkit t2p -v --lexicon ../shared/data/asl-lexicon -o sentence.pose',
    'echo "HELLO THANK-YOU" | signkit t2p --from gloss --lexicon ../shared/data/asl-lexicon > glosses.skels',
    'head -n 20 ../shared/data/how2sign-text/test.en.txt | signkit t2p --lexicon ../shared/data/asl-lexicon -o how2sign.h5',
]


def _source(value: str) -> str:
    if value not in ("text", "gloss"):
        raise typer.BadParameter(f"{value!r} is not text or gloss")
    return value


def command(
    file: Input = None,
    output: Output = None,
    target_format: To = None,
    source: str = typer.Option("text", "--from", callback=_source, metavar="TEXT|GLOSS",
                               help="What the lines hold: text (English) or gloss."),
    lexicon: Lexicons = None,
    fingerspell: bool = typer.Option(True, "--fingerspell/--no-fingerspell", help="Fingerspell glosses missing from the lexicons."),
    signed_language: str = typer.Option("ase", "--signed-language", help="Signed language code of the lexicon entries to use."),
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.io import decode_text, read_bytes, write_sequences
    from signkit.lexicon.lexicon import Lexicon, builtin_lexicon_path
    from signkit.lexicon.pipeline import t2p

    log.configure(quiet, verbose)
    folders = lexicon or [part for part in os.environ.get("SIGNKIT_LEXICON", "").split(os.pathsep) if part]
    lexicons = Lexicon.read([*folders, builtin_lexicon_path()], signed_language=signed_language)
    content, name = read_bytes(file, "sentences")
    lines = decode_text(content, name).splitlines()

    with log.progress("t2p", total=len(lines), unit="lines") as advance:

        def show(number: int, glosses: list[str]) -> None:
            log.detail(f"{name}:{number}: {' '.join(glosses)}")
            advance(1)

        sequences = t2p(lines, lexicons, source=source, fingerspell=fingerspell, fps=fps or 25.0, name=name,
                        on_glosses=show)  # fmt: skip
        write_sequences(sequences, output, target_format)
