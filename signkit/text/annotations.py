"""Sentence annotations with timed glosses: the DGS Corpus metadata layout.

``NAME_metadata.json`` (as in ``../shared/data/dgs-sentences``)::

    {"sentence": {"start": ms, "end": ms, "english": str, "german": str,
                  "glosses": {"gloss": [str, ...], "start": [ms, ...], "end": [ms, ...]}}}

Times are milliseconds of the source video (Public DGS Corpus, Universität Hamburg).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from signkit.errors import SignkitError

METADATA_SUFFIX = "_metadata.json"


@dataclass
class TimedGlosses:
    """One annotated sentence.

    Attributes:
        name: the file name without ``_metadata.json`` (``train_1``).
        start, end: the sentence's span in ms.
        english, german: its translations ("" when absent).
        glosses: the glosses in order, as annotated (``ICH1*``).
        times: one ``(start, end)`` in ms per gloss.
    """

    name: str
    start: float
    end: float
    english: str
    german: str
    glosses: list[str]
    times: list[tuple[float, float]]


def read_timed_glosses(path: str | Path) -> TimedGlosses:
    """Read and check one metadata file.

    Raises:
        SignkitError: naming the file, for unreadable JSON, missing keys, glosses and times of
            different lengths, no gloss, a sentence ending before it starts, or a gloss outside
            the sentence or ending before it starts.
    """
    path = Path(path)
    name = path.name[: -len(METADATA_SUFFIX)] if path.name.endswith(METADATA_SUFFIX) else path.stem
    try:
        sentence = json.loads(path.read_text(encoding="utf-8"))["sentence"]
        start, end = float(sentence["start"]), float(sentence["end"])
        timed = sentence["glosses"]
        glosses = [str(g) for g in timed["gloss"]]
        times = list(zip(map(float, timed["start"]), map(float, timed["end"])))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise SignkitError(f"{path}: not a sentence with gloss timings ({type(error).__name__}: {error})") from None
    if len(times) != len(glosses) or len(timed["start"]) != len(timed["end"]) or not glosses:
        raise SignkitError(f"{path}: {len(glosses)} glosses but {len(timed['start'])} start and "
                           f"{len(timed['end'])} end times")  # fmt: skip
    if end <= start:
        raise SignkitError(f"{path}: the sentence ends ({end:g} ms) before it starts ({start:g} ms)")
    for i, (gloss, (first, last)) in enumerate(zip(glosses, times), start=1):
        if last < first or first < start - 1 or last > end + 1:
            raise SignkitError(f"{path}: gloss {i} ({gloss}) spans {first:g}-{last:g} ms, outside the sentence "
                               f"{start:g}-{end:g} ms or backwards")  # fmt: skip
    return TimedGlosses(name, start, end, str(sentence.get("english") or ""), str(sentence.get("german") or ""),
                        glosses, times)  # fmt: skip
