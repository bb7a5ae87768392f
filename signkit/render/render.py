"""Rendering pose sequences to video: the skeleton style of ``signkit render``."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from pose_format import Pose
from pose_format.numpy import NumPyPoseBody

from signkit.errors import SignkitError
from signkit.io import is_stdio, output_stream
from signkit.pose.sequence import Sequence

MP4, PNG = "mp4", "png"
VIDEO_FORMATS = (MP4, PNG)


def join_sequences(sequences: Iterable[Sequence], fps: float | None = None) -> Pose:
    """Concatenate sequences of one layout into one pose, played one after another.

    Args:
        sequences: the sequences (person 0 of each is used).
        fps: the frame rate of the result; default the first sequence's. Sequences at another
            rate are resampled to it (linear interpolation in time).

    Raises:
        SignkitError: no sequence, or sequences of different layouts.
    """
    from signkit.lexicon.stitch import resample

    first, parts, confidences = None, [], []
    for sequence in sequences:
        if first is None:
            first = sequence
            fps = fps or sequence.fps
        elif sequence.layout != first.layout or sequence.pose.header.total_points() != first.pose.header.total_points():
            raise SignkitError(f"sequence {sequence.name}: layout {sequence.layout} differs from {first.layout} "
                               f"of sequence {first.name}; render them separately")  # fmt: skip
        body = sequence.pose.body
        data = np.ma.filled(body.data[:, :1].astype(np.float32), np.nan)
        confidence = np.asarray(body.confidence[:, :1], dtype=np.float32)
        if abs(sequence.fps - fps) > 1e-3:
            frames = max(1, int(round(len(data) * fps / sequence.fps)))
            data = resample(data[:, 0], frames)[:, None]
            confidence = resample(confidence[:, 0, :, None], frames)[:, None, :, 0]
        parts.append(data)
        confidences.append(confidence)
    if first is None:
        raise SignkitError("no sequences to render")
    data = np.concatenate(parts)
    confidence = np.concatenate(confidences)
    confidence = np.where(np.isnan(data).any(axis=-1), 0, confidence).astype(np.float32)
    mask = np.repeat((confidence == 0)[..., None], data.shape[-1], axis=-1)
    body = NumPyPoseBody(fps=fps, data=np.ma.masked_array(np.nan_to_num(data), mask=mask), confidence=confidence)
    return Pose(first.pose.header, body)


def render(sequences: Iterable[Sequence], output: str | Path | None, *, fmt: str | None = None,
           width: int = 512, height: int = 512, background: tuple[int, int, int] = (255, 255, 255),
           fps: float | None = None, on_frame=None) -> int:  # fmt: skip
    """Draw sequences as a skeleton signer and write an MP4 or a PNG frame folder.

    Args:
        sequences: the sequences, rendered one after another with one framing for all.
        output: an ``.mp4`` file, a folder for PNG frames, or ``-``/None for standard output
            (fragmented MP4 to a pipe; faststart when it is redirected to a file).
        fmt: ``mp4`` or ``png``; default from the output (a name ending in ``.mp4`` or standard
            output: mp4; otherwise png).
        width, height: frame size in pixels (even numbers for MP4).
        background: RGB background colour.
        fps: output frame rate; default the first sequence's.
        on_frame: called with the number of frames drawn since the last call (progress).

    Returns:
        The number of frames written.

    Raises:
        SignkitError: no frames, bad sizes, or a failed write (nothing is left behind).
    """
    from signkit.render.skeleton import draw_skeleton
    from signkit.video import write_video

    pose = join_sequences(sequences, fps)
    frames = draw_skeleton(pose, width=width, height=height, background=background)
    if on_frame is not None:
        frames = _counted(frames, on_frame)
    fmt = fmt or (MP4 if is_stdio(output) or str(output).lower().endswith(".mp4") else PNG)
    if fmt == MP4:
        with output_stream(output, binary=True) as file:
            return write_video(frames, file, pose.body.fps, fragmented=_streams(output))
    if is_stdio(output):
        raise SignkitError("PNG frames go to a folder: give -o FOLDER")
    return _write_folder(frames, Path(output))


def _streams(output: str | Path | None) -> bool:
    """True when the MP4 goes to a pipe or terminal (fragmented); False for a regular file,
    including standard output redirected to one (``> x.mp4``), which gets ``+faststart``."""
    if not is_stdio(output):
        return False
    try:
        return not stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError):
        return True


def _counted(frames, on_frame):
    for frame in frames:
        yield frame
        on_frame(1)


def _write_folder(frames, folder: Path) -> int:
    """Write PNG frames into a new folder, replacing ``folder`` only when all are written."""
    from signkit.video import write_png_frames

    if folder.exists() and not folder.is_dir():
        raise SignkitError(f"{folder}: exists and is not a folder")
    if not folder.parent.is_dir():
        raise SignkitError(f"{folder.parent}: no such folder")
    temporary = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    temporary.mkdir()
    try:
        count = write_png_frames(frames, temporary)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(temporary, folder)
    return count
