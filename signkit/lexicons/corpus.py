"""Sentences with gloss timings, and the pose prior database cut from them.

A *segmented sentence* is continuous signing whose glosses carry start and end times: the DGS
Corpus layout of ``../shared/data/dgs-sentences``, ``NAME_original.pose`` (any layout with a
PT-50 mapping) beside ``NAME_metadata.json`` (:mod:`signkit.text.annotations`).

Times are in milliseconds of the source video; the pose file holds the sentence from its
``start`` to its ``end``. The files' frame counts differ from that span at their frame rate (in
the DGS Corpus sample by up to a factor 2.8, short or long), so a time maps onto the frames
linearly over the sentence: frame = (t - start) / (end - start) x frames.

The *pose prior database* (Stable Signer's rule-based pose prior) is a sign lexicon in sign.mt's
layout (:mod:`signkit.lexicons.lexicon`): one clip per gloss annotation (slrtp178 with the signer's
face when the sentences show one, as the DGS Corpus sample does; else PT-50), its gloss as
written (``ICH1*``) and its gloss lemma as the spoken word (``ich``), so that the default t2p
and SLP-MoE read the same signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signkit import log
from signkit.errors import SignkitError
from signkit.lexicons.lexicon import gloss_lemma, write_index
from signkit.pose.face import complete_face
from signkit.pose.motion import fill_gaps
from signkit.text.annotations import METADATA_SUFFIX, read_timed_glosses

POSE_SUFFIX = "_original.pose"


@dataclass
class SegmentedSentence:
    """One sentence of continuous signing with timed glosses (Public DGS Corpus layout).

    Attributes:
        name: the file stem without ``_metadata.json`` (``train_1``).
        points: (frames, 50, 3) float32 PT-50 points, repaired (:func:`signkit.prep.clean.clean`
            without trimming; a point never seen takes the rest pose's place), no missing value.
        face: (frames, 130, 3) float32, the 128 face points and the two hips (signkit's full order
            after PT-50's, :mod:`signkit.pose.convert`), repaired alike, NaN where never seen;
            None when the sentence shows no face.
        fps: frames per second.
        text: the English sentence ("" when the metadata has none).
        german: the German sentence ("" when none).
        glosses: the glosses in order, as annotated (``ICH1*``).
        spans: one ``(first, last)`` frame range per gloss, ``last`` exclusive, at least one frame.
    """

    name: str
    points: np.ndarray
    fps: float
    text: str
    german: str
    glosses: list[str]
    spans: list[tuple[int, int]]
    face: np.ndarray | None = None

    def signing(self, face: bool) -> np.ndarray:
        """The sentence's signing for production: (frames, 50, 3) PT-50 points, or with ``face``
        (frames, 178, 3), PT-50's and then the 128 face points, filled from the face template
        where not seen (:func:`signkit.pose.face.complete_face`; a sentence without a face gets
        the template at its nose). Normalised units, float32, no NaN."""
        if not face:
            return self.points
        seen = self.face[:, :128] if self.face is not None else np.full((len(self.points), 128, 3), np.nan, np.float32)
        return np.concatenate([self.points, complete_face(seen, self.points[:, 0])], axis=1)


def is_sentence_input(path: str | Path) -> bool:
    """Whether a path names sentences with gloss timings: a ``NAME_metadata.json``, a
    ``NAME_original.pose`` with its metadata beside it, or a folder holding metadata files."""
    path = Path(path)
    if path.is_dir():
        return any(path.glob(f"*{METADATA_SUFFIX}"))
    if path.name.endswith(POSE_SUFFIX):
        return _metadata_of(path).is_file()
    return path.name.endswith(METADATA_SUFFIX)


def _metadata_of(pose: Path) -> Path:
    """``NAME_metadata.json`` beside ``NAME_original.pose``."""
    return pose.with_name(pose.name[: -len(POSE_SUFFIX)] + METADATA_SUFFIX)


def sentence_files(paths: list[str | Path]) -> list[Path]:
    """The metadata files of the given files and folders, each once, in order (a folder: every
    ``*_metadata.json`` in it, numbers in order; a ``NAME_original.pose``: its
    ``NAME_metadata.json``).

    Args:
        paths: metadata files, ``NAME_original.pose`` files, or folders of them.

    Returns:
        The metadata paths, duplicates removed (a named file is not checked to exist here).

    Raises:
        SignkitError: a path does not exist, or a folder holds no metadata file.
    """
    found = {}
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(path.glob(f"*{METADATA_SUFFIX}"), key=_natural)
            if not files:
                raise SignkitError(f"{path}: no *{METADATA_SUFFIX} (sentences with gloss timings) in the folder")
            found.update(dict.fromkeys(files))
        elif path.is_file():
            if path.name.endswith(POSE_SUFFIX):
                path = _metadata_of(path)
            found[path] = None
        else:
            raise SignkitError(f"{path}: no such file or folder")
    return list(found)


def _natural(path: Path) -> list:
    return [int(part) if part.isdigit() else part for part in path.name.replace(".", "_").split("_")]


def read_sentence(metadata: str | Path) -> SegmentedSentence:
    """Read one segmented sentence (see the module docstring).

    Args:
        metadata: a ``NAME_metadata.json`` file; ``NAME_original.pose`` is read beside it.

    Returns:
        The sentence: PT-50 points (frames, 50, 3) float32 in normalised units, gloss times (ms)
        mapped to frame spans linearly over the sentence.

    Raises:
        SignkitError: naming the file, for bad metadata
            (:func:`signkit.text.annotations.read_timed_glosses`), or a pose that is missing,
            unreadable, cannot be brought to PT-50, has more than half of its points missing
            (dropped by :func:`signkit.prep.clean.clean`) or has fewer frames than glosses.
    """
    from signkit.prep.clean import CleanReport, clean
    from signkit.pose.convert import normalised_points
    from signkit.pose.formats import read_pose
    from signkit.pose.layouts import FULL_FACE, SLRTP178

    metadata = Path(metadata)
    timed = read_timed_glosses(metadata)
    name, start, end, glosses, times = timed.name, timed.start, timed.end, timed.glosses, timed.times
    pose_path = metadata.with_name(name + POSE_SUFFIX)
    try:
        content = pose_path.read_bytes()
    except OSError:
        raise SignkitError(f"{metadata}: its pose file {pose_path.name} is missing") from None
    report = CleanReport()
    cleaned = list(clean([read_pose(content, str(pose_path))], report, trim=False, layout=SLRTP178))
    if not cleaned:
        reason = (report.failed + [f"{n}: {why}" for n, why in report.dropped])[0]
        raise SignkitError(f"{pose_path}: {reason}")
    full = normalised_points(cleaned[0].pose, str(pose_path))[0]
    points = full[:, :50].copy()
    fill_gaps(points, np.arange(points.shape[1]))  # points never seen in the sentence: the rest pose's
    face = full[:, FULL_FACE.start :] if np.isfinite(full[:, FULL_FACE]).any() else None
    frames = len(points)
    if frames < len(glosses):
        raise SignkitError(f"{pose_path}: {frames} frames for {len(glosses)} glosses")
    scale = frames / (end - start)
    spans = []
    for first, last in times:
        a = min(frames - 1, max(0, int(round((first - start) * scale))))
        spans.append((a, min(frames, max(a + 1, int(round((last - start) * scale))))))
    return SegmentedSentence(name, points, cleaned[0].fps, timed.english, timed.german, glosses, spans, face)


def read_sentences(paths: list[str | Path]) -> list[SegmentedSentence]:
    """Every segmented sentence of the given files and folders (:func:`sentence_files`).

    Raises:
        SignkitError: as :func:`sentence_files` and :func:`read_sentence`; the first bad
            sentence stops the reading.
    """
    return [read_sentence(path) for path in sentence_files(paths)]


def build_database(sentences: list[SegmentedSentence], folder: str | Path, *, signed_language: str = "gsg",
                   spoken_language: str = "de") -> int:  # fmt: skip
    """Write the pose prior database of ``sentences``: one clip per gloss annotation, slrtp178
    with the sentence's face (and hips) where it has one, else PT-50.

    The rule-based pose prior database of Stable Signer (Fang et al.), written as a sign lexicon
    in sign.mt's layout (Moryossef et al., 2023) so that :class:`signkit.lexicons.lexicon.Lexicon`
    reads it.

    Writes ``folder/index.csv`` and ``folder/clips/NAME_I.pose`` (the I-th gloss of sentence
    NAME, its frames ``spans[I]``), with the gloss as written, its lemma in lower case as the
    spoken word, and ``priority`` the clip's rank among clips of the same gloss (0 first). An
    existing index is replaced, and the clips of an earlier run that it no longer names are
    removed.

    Args:
        sentences: the segmented sentences (:func:`read_sentences`).
        folder: the output folder, created if needed.
        signed_language: ISO 639-3 code written to each row (``gsg``: German Sign Language).
        spoken_language: ISO 639 code written to each row.

    Returns:
        The number of clips written.

    Raises:
        OSError: the folder or a file cannot be written (not turned into a SignkitError).
    """
    from signkit.pose.convert import production_pose
    from signkit.pose.formats import write_pose
    from signkit.pose.layouts import PT50, SLRTP178
    from signkit.pose.sequence import Sequence

    folder = Path(folder)
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    rows, seen = [], {}
    for sentence in sentences:
        for i, (gloss, (first, last)) in enumerate(zip(sentence.glosses, sentence.spans), start=1):
            path = f"clips/{sentence.name}_{i}.pose"
            if sentence.face is None:
                pose = production_pose(sentence.points[first:last], sentence.fps, PT50)
            else:
                full = np.concatenate([sentence.points, sentence.face], axis=1)[first:last]
                pose = production_pose(full, sentence.fps, SLRTP178)
            with open(folder / path, "wb") as file:
                write_pose(Sequence(f"{sentence.name}_{i}", pose, gloss=gloss), file)
            key = gloss.upper()
            rows.append({"path": path, "spoken_language": spoken_language, "signed_language": signed_language,
                         "start": 0, "end": 0, "words": gloss_lemma(gloss).lower(), "glosses": gloss,
                         "priority": seen.get(key, 0)})  # fmt: skip
            seen[key] = seen.get(key, 0) + 1
    write_index(folder, rows)  # an earlier run's clips that this index does not name go
    return len(rows)


def lexicon(sentences: list[str | Path], output: str | Path, *, signed_language: str = "gsg",
            spoken_language: str = "de") -> int:
    """Build a pose prior database (a sign lexicon) from sentences with gloss timings: the
    function behind ``signkit lexicon`` (:func:`read_sentences`, then :func:`build_database`).

    Args:
        sentences: ``NAME_metadata.json`` (or ``NAME_original.pose``) files, or folders of them.
        output: the lexicon folder to write (``index.csv`` and ``clips/``).
        signed_language, spoken_language: the language codes of the entries.

    Returns:
        The number of clips written.

    Raises:
        SignkitError: as :func:`read_sentences` (no sentences, unreadable or inconsistent files).
    """
    found = read_sentences(sentences)
    count = build_database(found, output, signed_language=signed_language, spoken_language=spoken_language)
    log.info(f"lexicon: {count} signs from {len(found)} sentences in {output}")
    return count
