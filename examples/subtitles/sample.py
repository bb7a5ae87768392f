"""SRT files of real How2Sign sentences, timed as an instructional video has them, to try this
recipe (and test it) without programmes of your own:

    python sample.py ../../../shared/data/how2sign-text/test.en.txt FOLDER --files 3 --cues 2

Writes FOLDER/programme-1.srt ... programme-N.srt, each of CUES sentences of 3 to 5 words taken in
order from the How2Sign text. Each cue lasts as long as its words take to say at 2.5 words a second
(at least 1.5 s); the next starts 9.5 s after it (the demonstration between two sentences).
"""

from __future__ import annotations

import argparse
from pathlib import Path

SPEECH_RATE = 2.5  # words a second
SHORTEST = 1.5  # seconds a cue stays on screen at least
PAUSE = 9.5  # seconds between two cues


def stamp(seconds: float) -> str:
    """An SRT timestamp, ``HH:MM:SS,mmm``, of a time in seconds (rounded to the millisecond)."""
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d},{rest % 1000:03d}"


def srt(sentences: list[str], start: float = 1.0) -> tuple[str, list[tuple[float, float]]]:
    """The SRT text of one cue per sentence from ``start`` seconds on, and each cue's (start, end)
    in seconds."""
    blocks, times, clock = [], [], start
    for number, sentence in enumerate(sentences, start=1):
        length = max(SHORTEST, len(sentence.split()) / SPEECH_RATE)
        times.append((clock, clock + length))
        blocks.append(f"{number}\n{stamp(clock)} --> {stamp(clock + length)}\n{sentence}\n")
        clock += length + PAUSE
    return "\n".join(blocks), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("text", type=Path, help="How2Sign sentences, one a line (how2sign-text/test.en.txt)")
    parser.add_argument("folder", type=Path, help="where the .srt files go")
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--cues", type=int, default=2, help="sentences a file")
    args = parser.parse_args()
    sentences = [line for line in args.text.read_text(encoding="utf-8").splitlines() if 3 <= len(line.split()) <= 5]
    if len(sentences) < args.files * args.cues:
        parser.error(f"{args.text}: {len(sentences)} sentences of 3 to 5 words, fewer than {args.files * args.cues}")
    args.folder.mkdir(parents=True, exist_ok=True)
    for number in range(args.files):
        text, _ = srt(sentences[number * args.cues : (number + 1) * args.cues])
        (args.folder / f"programme-{number + 1}.srt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
