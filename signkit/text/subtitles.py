"""Subtitles in: SubRip (.srt) and WebVTT (.vtt) cues with their times.

A cue is a block of lines: SRT's counter line (optional here), then ``HH:MM:SS,mmm -->
HH:MM:SS,mmm``, then the text until a blank line; WebVTT's file starts with ``WEBVTT``, a cue has
an optional identifier line, then ``[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]``, then the text
(W3C WebVTT, section 4); ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped. Markup is
removed from the text (``<i>``, ``<b>``, ``<font ...>``, WebVTT's ``<v Speaker>``, ``<c.class>``
and timestamp tags, ASS overrides such as ``{\\an8}``) and WebVTT's character references are
decoded; a cue's lines are joined by spaces.

The parser is strict where a mistake would move the signing and lenient where it would not,
and it names the cue (its number in the file, from 1, and its line) in every message:

* a timestamp that does not parse, a cue that ends before it starts, or one that ends after
  :data:`MAX_SECONDS` (a day: the programme's frames are made from 0 s): an error;
* an empty cue: a warning, and the cue is left out;
* a cue that starts before the previous one ends: a warning (the timing shifts it, see
  :func:`signkit.pipelines.timeline.align`); cues out of order: a warning, and they are sorted;
* text that is not UTF-8: a warning naming the first bad line, and the file is read as
  Windows-1252 (the usual encoding of such subtitle files).

The SubRip and WebVTT packages on PyPI were tried first: ``srt`` 3.5 silently merges a cue with a
malformed timestamp into the text of the cue before it, and ``webvtt-py`` 0.6 rounds
``start_in_seconds`` to whole seconds, so neither can name the bad cue or keep frame accuracy.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from signkit.errors import SignkitError

_TIME = r"(?:(\d+):)?([0-5]?\d):([0-5]\d)[,.](\d{1,3})"
_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
_STAMP = re.compile(rf"^{_TIME}$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    """One subtitle cue.

    Attributes:
        number: its position in the file, from 1 (before any sorting).
        line: the line of its timing line, from 1.
        start, end: its times in seconds from the start of the programme.
        text: its text, markup removed, lines joined by spaces.
    """

    number: int
    line: int
    start: float
    end: float
    text: str


MAX_SECONDS = 24 * 3600  # the latest a cue may end: a cue at hour 999999 asked for 49 TiB of frames


def is_subtitles(name: str, content: bytes) -> bool:
    """Whether a file is subtitles: an ``.srt`` or ``.vtt`` name, or content that starts with
    ``WEBVTT`` or with an SRT cue (a counter line, then a timing line).

    Args:
        name: the file's name (its suffix is checked).
        content: the file's bytes; the first 200 are looked at (a UTF-8 byte order mark skipped).
    """
    if name.lower().endswith((".srt", ".vtt")):
        return True
    head = content[:200].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"WEBVTT"):
        return True
    lines = head.split(b"\n")
    return len(lines) > 1 and lines[0].strip().isdigit() and b"-->" in lines[1]


def _seconds(stamp: str) -> float | None:
    match = _STAMP.match(stamp)
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def _decode(content: bytes, name: str, warn: Callable[[str], None]) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        warn(f"{name}:{line}: not UTF-8 (byte 0x{content[error.start]:02x}); the file is read as Windows-1252")
        return content.decode("cp1252", errors="replace")


def _clean(lines: list[str], webvtt: bool) -> str:
    text = " ".join(_TAG.sub("", line).strip() for line in lines)
    if webvtt:
        text = html.unescape(text)
    return " ".join(text.split())


def read_subtitles(content: bytes, name: str = "<stdin>", warn: Callable[[str], None] | None = None) -> list[Cue]:
    """The cues of an SRT or WebVTT file, in time order.

    Args:
        content: the file's bytes.
        name: the file's name, for messages.
        warn: called with each warning (a line naming the cue); None: warnings are dropped.

    Returns:
        The non-empty cues, sorted by start time (times in seconds, millisecond precision).

    Raises:
        SignkitError: a block without a timing line, a bad timestamp, a cue that ends before
            it starts or after :data:`MAX_SECONDS` (``NAME:LINE: cue N: ...``), or no cue with
            text at all.
    """
    warn = warn or (lambda message: None)
    lines = _decode(content, name, warn).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    webvtt = bool(lines) and lines[0].startswith("WEBVTT")
    blocks, block, first = [], [], 0
    for number, line in enumerate(lines[1:] if webvtt else lines, start=2 if webvtt else 1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            blocks.append((first, block))
            block = []
    if block:
        blocks.append((first, block))
    cues = []
    for start_line, block in blocks:
        if webvtt and block[0].split(" ", 1)[0] in _VTT_BLOCKS:
            continue
        timing = next((i for i, line in enumerate(block[:2]) if "-->" in line), None)
        number = len(cues) + 1
        if timing is None:
            raise SignkitError(f"{name}:{start_line}: cue {number}: no timing line (START --> END)")
        where = f"{name}:{start_line + timing}: cue {number}"
        match = _TIMING.match(block[timing])
        times = [_seconds(stamp) for stamp in match.groups()] if match else [None]
        if None in times:
            raise SignkitError(f"{where}: bad timestamp in {block[timing].strip()!r} "
                               f"(expected {'[HH:]MM:SS.mmm' if webvtt else 'HH:MM:SS,mmm'} --> ...)")  # fmt: skip
        start, end = times
        if end <= start:
            raise SignkitError(f"{where}: ends at {end:.3f} s, not after it starts at {start:.3f} s")
        if end > MAX_SECONDS:
            raise SignkitError(f"{where}: ends at {end:,.3f} s, past the {MAX_SECONDS // 3600} hours a programme may last")
        text = _clean(block[timing + 1 :], webvtt)
        cues.append(Cue(number=number, line=start_line + timing, start=start, end=end, text=text))
    kept = []
    for cue in cues:
        if not cue.text:
            warn(f"{name}:{cue.line}: cue {cue.number}: empty; left out")
            continue
        if kept and cue.start < kept[-1].start:
            warn(f"{name}:{cue.line}: cue {cue.number}: starts at {cue.start:.3f} s, before cue {kept[-1].number} "
                 f"({kept[-1].start:.3f} s); the cues are sorted by start time")  # fmt: skip
        elif kept and cue.start < kept[-1].end:
            warn(f"{name}:{cue.line}: cue {cue.number}: starts at {cue.start:.3f} s, before cue {kept[-1].number} "
                 f"ends ({kept[-1].end:.3f} s); its signing waits for that cue's")  # fmt: skip
        kept.append(cue)
    if not kept:
        raise SignkitError(f"{name}: no subtitle cues with text")
    return sorted(kept, key=lambda cue: (cue.start, cue.number))
