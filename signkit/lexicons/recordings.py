"""Lexicons from your own recordings: isolated signs on video or as pose files, one gloss each.

:func:`recordings_of` reads what a user has: videos or ``.pose`` files named by their gloss
(``house.mp4`` is HOUSE), folders of them, a CSV (``path,gloss[,words,spoken_language,
signed_language]``, paths relative to the CSV), WLASL's JSON (Li et al., 2020: ``gloss``,
``instances[].video_id``, ``frame_start``, ``frame_end``, ``fps``; videos ``VIDEO_ID.mp4`` in
``videos/`` beside it or beside it) or ASL Citizen's CSV (Desai et al., 2023: ``Participant
ID,Video file,Gloss,ASL-LEX Code``; videos in ``videos/`` beside it, beside it, or in the
dataset's ``videos/`` one folder up). :func:`build_lexicon` extracts keypoints from
the videos (MediaPipe Holistic, :func:`signkit.prep.extract.extract`, in ``workers``
processes), finds each sign between its rest frames by hand speed
(:func:`signkit.pose.motion.active_frames`) and writes a lexicon in sign.mt's layout
(Moryossef et al., 2023): ``index.csv`` and ``clips/``, each clip the whole recording with the
sign's span as the row's ``start`` and ``end`` (ms), several recordings of one gloss as variants
ranked by ``priority`` (0 first, in input order). ``append`` adds to an existing lexicon and keeps
every entry it had. A recording that cannot be read is named and skipped; the others are written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from signkit.errors import SignkitError
from signkit.lexicons.lexicon import INDEX_COLUMNS, write_index

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi")
POSE_SUFFIX = ".pose"
CSV_COLUMNS = ("path", "gloss", "words", "spoken_language", "signed_language")


@dataclass(frozen=True)
class Recording:
    """One isolated sign to put in a lexicon.

    Attributes:
        path: a video or a ``.pose`` file.
        gloss: its gloss (upper case).
        words: the spoken word or phrase (lower case).
        spoken_language, signed_language: codes from the CSV, or None for the lexicon's.
        where: where it was named, for messages (``list.csv:4``, or the path).
        frames: the part of the recording that holds the sign, ``(first, last)`` frames from 0,
            ``last`` exclusive or None for the end; None for the whole recording.
    """

    path: Path
    gloss: str
    words: str
    spoken_language: str | None = None
    signed_language: str | None = None
    where: str = ""
    frames: tuple[int, int | None] | None = None


def gloss_of_name(path: str | Path) -> tuple[str, str]:
    """``(gloss, words)`` of a file named by its sign: ``thank_you.mp4`` -> ``THANK-YOU``, ``thank you``."""
    words = re.sub(r"[\s_-]+", " ", Path(path).stem).strip().lower()
    return words.upper().replace(" ", "-"), words


def recordings_of(inputs: list[str | Path]) -> list[Recording]:
    """The recordings named by files, folders and CSVs.

    Args:
        inputs: videos (:data:`VIDEO_SUFFIXES`) and ``.pose`` files named by their gloss, folders
            of them (not searched below), CSV files with :data:`CSV_COLUMNS` (``path`` and
            ``gloss`` required; a relative path is taken from the CSV's folder), ASL Citizen's
            CSVs, or WLASL's JSON.

    Returns:
        The recordings in input order (a folder's sorted by name).

    Raises:
        SignkitError: a path that does not exist, a file of another kind, a folder without
            recordings, a CSV without its ``path`` and ``gloss`` columns (or ASL Citizen's) or
            with an empty cell in them (naming the file and line), or a WLASL JSON that is not
            its layout (naming the entry).
    """
    found = []
    for item in map(Path, inputs):
        if item.is_dir():
            files = sorted(p for p in item.iterdir() if p.suffix.lower() in (*VIDEO_SUFFIXES, POSE_SUFFIX))
            if not files:
                raise SignkitError(f"{item}: no videos ({', '.join(VIDEO_SUFFIXES)}) or .pose files in the folder")
            found += [Recording(file, *gloss_of_name(file), where=str(file)) for file in files]
        elif item.suffix.lower() == ".csv":
            found += _csv_recordings(item)
        elif item.suffix.lower() == ".json":
            found += _wlasl_recordings(item)
        elif item.suffix.lower() in (*VIDEO_SUFFIXES, POSE_SUFFIX):
            if not item.is_file():
                raise SignkitError(f"{item}: no such file")
            found.append(Recording(item, *gloss_of_name(item), where=str(item)))
        elif not item.exists():
            raise SignkitError(f"{item}: no such file or folder")
        else:
            raise SignkitError(f"{item}: not a video ({', '.join(VIDEO_SUFFIXES)}), .pose file, folder or CSV")
    return found


def _csv_recordings(path: Path) -> list[Recording]:
    try:
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
            columns = set(rows[0]) if rows else set()
    except (OSError, UnicodeDecodeError) as error:
        raise SignkitError(f"{path}: cannot read ({error})") from None
    if {"Video file", "Gloss"} <= columns:
        return _asl_citizen_recordings(path, rows)
    if not {"path", "gloss"} <= columns:
        raise SignkitError(f"{path}: a CSV of recordings needs the columns path and gloss ({', '.join(CSV_COLUMNS)})")
    found = []
    for line, row in enumerate(rows, start=2):
        if not (row.get("path") or "").strip() or not (row.get("gloss") or "").strip():
            raise SignkitError(f"{path}:{line}: an empty path or gloss")
        gloss = row["gloss"].strip().upper()
        words = (row.get("words") or "").strip().lower() or gloss.lower().replace("-", " ")
        found.append(Recording(path.parent / row["path"].strip(), gloss, words,
                               (row.get("spoken_language") or "").strip() or None,
                               (row.get("signed_language") or "").strip() or None, f"{path}:{line}"))  # fmt: skip
    return found


def _asl_citizen_recordings(path: Path, rows: list[dict]) -> list[Recording]:
    """ASL Citizen's split CSV (``Participant ID,Video file,Gloss,ASL-LEX Code``)."""
    found = []
    for line, row in enumerate(rows, start=2):
        video, gloss = (row.get("Video file") or "").strip(), (row.get("Gloss") or "").strip()
        if not video or not gloss:
            raise SignkitError(f"{path}:{line}: an empty Video file or Gloss")
        found.append(Recording(_beside(path, video), gloss.upper(), gloss.lower().replace("-", " "),
                               where=f"{path}:{line}"))  # fmt: skip
    return found


def _wlasl_recordings(path: Path) -> list[Recording]:
    """WLASL's JSON: one entry a gloss, its instances the videos (frames counted from 1, ``frame_end``
    -1 for the end)."""
    import json

    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise SignkitError(f"{path}: not a readable WLASL JSON ({error})") from None
    found = []
    for number, entry in enumerate(entries if isinstance(entries, list) else [None], start=1):
        try:
            gloss = str(entry["gloss"]).strip()
            for instance in entry["instances"]:
                first, last = int(instance.get("frame_start", 1)), int(instance.get("frame_end", -1))
                found.append(Recording(_beside(path, f"{instance['video_id']}.mp4"), gloss.upper(), gloss.lower(),
                                       where=f"{path}: entry {number} ({gloss}), video {instance['video_id']}",
                                       frames=(max(0, first - 1), None if last < 0 else last)))  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise SignkitError(f"{path}: entry {number} is not WLASL's layout (gloss, instances[].video_id: "
                               f"{type(error).__name__} {error})") from None  # fmt: skip
    return found


def shard_by_gloss(recordings: list[Recording], index: int, count: int) -> list[Recording]:
    """The recordings of the ``index``-th of ``count`` shares (1-based) of the glosses: the sorted
    glosses (upper case) ``[index - 1 :: count]``, each with all its recordings in input order.

    Jobs that each take a different index build lexicons of disjoint glosses whose variants rank
    as in one whole lexicon, so ``t2p --lexicon`` of all of them signs as the whole would.

    Raises:
        SignkitError: ``index`` outside 1..count.
    """
    if not 1 <= index <= count:
        raise SignkitError(f"shard {index}/{count}: the index must be 1 to {count}")
    share = set(sorted({r.gloss.upper() for r in recordings})[index - 1 :: count])
    return [r for r in recordings if r.gloss.upper() in share]


def _beside(index: Path, name: str) -> Path:
    """A dataset's video named in ``index``: in ``videos/`` beside it, beside it, or in ``videos/``
    one folder up (ASL Citizen keeps its splits in ``splits/``); the first that exists, else the
    first."""
    places = [index.parent / "videos" / name, index.parent / name, index.parent.parent / "videos" / name]
    return next((place for place in places if place.exists()), places[0])


def build_lexicon(recordings: list[Recording], folder: str | Path, *, signed_language: str = "ase",
                  spoken_language: str = "en", append: bool = False, workers: int = 1,
                  on_failure: Callable[[SignkitError], None] | None = None) -> tuple[int, int]:  # fmt: skip
    """Write a sign.mt-layout lexicon of isolated-sign recordings (see the module docstring).

    Args:
        recordings: from :func:`recordings_of`.
        folder: the lexicon folder (created).
        signed_language, spoken_language: codes of the entries the CSV does not give.
        append: keep the entries of an existing ``index.csv`` and add these after them (a
            gloss's new variants rank after its old ones); otherwise a new index replaces it.
        workers: processes extracting keypoints from videos.
        on_failure: called with the error of each recording that cannot be read (a corrupt
            video, a pose without both shoulders), which is then skipped.

    Returns:
        ``(written, failed)``: the numbers of recordings added and skipped.

    Raises:
        SignkitError: ``append`` to a folder without an ``index.csv``, an index that cannot be
            read, or no recording written at all.
    """
    from signkit.pose.formats import write_pose

    folder = Path(folder)
    rows = _existing_rows(folder) if append else []
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    taken = {row["path"] for row in rows} | ({f"clips/{p.name}" for p in (folder / "clips").glob("*.pose")} if append else set())
    priority: dict[str, int] = {}
    for row in rows:
        priority[row["glosses"].upper()] = max(priority.get(row["glosses"].upper(), -1), int(row["priority"] or 0))
    written = failed = 0
    for recording, sequence in _read(recordings, workers):
        try:
            if isinstance(sequence, SignkitError):
                raise sequence
            start, end = _sign_span(sequence, recording.where, recording.frames)
        except SignkitError as error:
            failed += 1
            if on_failure is not None:
                on_failure(error)
            continue
        path = _free_name(recording.gloss, taken)
        with open(folder / path, "wb") as file:
            write_pose(sequence, file)
        key = recording.gloss.upper()
        priority[key] = priority.get(key, -1) + 1
        rows.append({"path": path, "spoken_language": recording.spoken_language or spoken_language,
                     "signed_language": recording.signed_language or signed_language, "start": start, "end": end,
                     "words": recording.words, "glosses": recording.gloss, "priority": priority[key]})  # fmt: skip
        written += 1
    if not written:
        raise SignkitError(f"no recording could be read ({failed} failed, each named above); nothing written")
    write_index(folder, rows, prune=not append)  # a replaced lexicon's clips that its index no longer names go
    return written, failed


def _read(recordings: list[Recording], workers: int):
    """``(recording, Sequence or SignkitError)`` in input order, one at a time (a dataset's
    keypoints are never all in memory): pose files read here, videos extracted in ``workers``
    processes, ahead of the reading."""
    from signkit.pose.formats import read_pose
    from signkit.prep.extract import extract

    videos = extract([str(r.path) for r in recordings if r.path.suffix.lower() != POSE_SUFFIX], workers=workers)
    for recording in recordings:
        if recording.path.suffix.lower() != POSE_SUFFIX:
            yield recording, next(videos)[1]
            continue
        try:
            yield recording, read_pose(recording.path.read_bytes(), str(recording.path))
        except OSError as error:
            yield recording, SignkitError(f"{recording.path}: cannot read ({error.strerror})")
        except SignkitError as error:
            yield recording, error
    videos.close()  # the extraction's worker processes end here


def _existing_rows(folder: Path) -> list[dict]:
    """The rows of the lexicon's ``index.csv``, as written (for ``append``)."""
    try:
        with open(folder / "index.csv", newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
    except FileNotFoundError:
        raise SignkitError(f"{folder}: no index.csv to append to") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SignkitError(f"{folder / 'index.csv'}: cannot read ({error})") from None
    if rows and not set(INDEX_COLUMNS) <= set(rows[0]):
        raise SignkitError(f"{folder / 'index.csv'}: not a lexicon index (columns {', '.join(INDEX_COLUMNS)})")
    return rows


def _sign_span(sequence, where: str, frames: tuple[int, int | None] | None = None) -> tuple[int, int]:
    """The sign's span in the recording, in whole ms: from its first to after its last frame that
    is not at rest (:func:`signkit.pose.motion.active_frames` on its PT-50 points), within
    ``frames`` when the dataset names the sign's frames."""
    from signkit.pose.convert import to_pt50
    from signkit.pose.motion import active_frames
    from signkit.pose.sequence import person0

    points = person0(to_pt50(sequence.pose, where))[0].astype(float) * 3  # in shoulder widths
    offset, end = frames or (0, None)
    points = points[offset:end]
    if len(points) == 0:
        raise SignkitError(f"{where}: frames {offset + 1}-{end} are past the recording's {sequence.frames}")
    first, last = active_frames(points, sequence.fps)
    return int((offset + first) * 1000 / sequence.fps), int(round((offset + last) * 1000 / sequence.fps))


def _free_name(gloss: str, taken: set[str]) -> str:
    """``clips/GLOSS.pose``, or ``clips/GLOSS-2.pose``... when taken (then taken)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", gloss.lower()).strip("._") or "sign"
    path, number = f"clips/{stem}.pose", 1
    while path in taken:
        number += 1
        path = f"clips/{stem}-{number}.pose"
    taken.add(path)
    return path
