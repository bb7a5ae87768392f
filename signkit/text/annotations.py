"""Sentence annotations with timed glosses: the DGS Corpus metadata layout.

``NAME_metadata.json`` (as in ``../shared/data/dgs-sentences``)::

    {"sentence": {"start": ms, "end": ms, "english": str, "german": str,
                  "glosses": {"gloss": [str, ...], "start": [ms, ...], "end": [ms, ...]}}}

Times are milliseconds of the source video (Public DGS Corpus, Universität Hamburg).
"""

from __future__ import annotations

import csv
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
    """Read and check one metadata file (Public DGS Corpus layout, see the module docstring).

    Args:
        path: a ``NAME_metadata.json`` file.

    Returns:
        The sentence, named ``NAME``, its times in ms of the source video.

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


def read_texts(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """Sentence name to (text, gloss) from a How2Sign or PHOENIX14T annotation CSV, or a folder
    of DGS Corpus metadata.

    How2Sign: tab-separated with ``SENTENCE_NAME`` and ``SENTENCE`` columns (no gloss).
    PHOENIX14T: ``|``-separated ``id|signer|annotation|translation`` (gloss = annotation,
    text = translation). DGS Corpus: a folder of ``NAME_metadata.json``
    (:func:`read_timed_glosses`; text = the English sentence, gloss = the glosses), for the
    poses ``NAME_original.pose`` (named by both ``NAME`` and ``NAME_original``).

    Args:
        path: the annotation CSV, or the folder of DGS Corpus metadata files.

    Returns:
        A dict from sentence name to ``(text, gloss)``; gloss is None for How2Sign.

    Raises:
        SignkitError: the file is missing, unreadable or not UTF-8, or has neither set of
            columns; a folder without metadata, or bad metadata (as :func:`read_timed_glosses`).
    """
    if path.is_dir():
        texts = {}
        for file in sorted(path.glob(f"*{METADATA_SUFFIX}")):
            timed = read_timed_glosses(file)
            texts[timed.name] = texts[f"{timed.name}_original"] = (timed.english, " ".join(timed.glosses))
        if not texts:
            raise SignkitError(f"{path}: a folder without *{METADATA_SUFFIX} (DGS Corpus sentences)")
        return texts
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SignkitError(f"{path}: cannot read ({error})") from None
    header = content.split("\n", 1)[0]
    delimiter = "|" if header.count("|") > header.count("\t") else "\t"
    rows = csv.DictReader(content.splitlines(), delimiter=delimiter, quoting=csv.QUOTE_NONE)
    columns = set(rows.fieldnames or [])
    if {"SENTENCE_NAME", "SENTENCE"} <= columns:
        return {row["SENTENCE_NAME"]: (row["SENTENCE"], None) for row in rows}
    if {"id", "annotation", "translation"} <= columns:
        return {row["id"]: (row["translation"], row["annotation"]) for row in rows}
    raise SignkitError(f"{path}:1: expected How2Sign columns SENTENCE_NAME, SENTENCE or PHOENIX columns "
                       f"id|signer|annotation|translation")  # fmt: skip
