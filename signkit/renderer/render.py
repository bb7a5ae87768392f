"""Rendering pose sequences to video: the skeleton and diffusion styles of ``signkit render``."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pose_format import Pose

from signkit.errors import SignkitError
from signkit.pose.io import is_stdio, is_stream, output_stream
from signkit.pose.sequence import Sequence, make_pose, person0

MP4, PNG = "mp4", "png"


def join_sequences(sequences: Iterable[Sequence]) -> Pose:
    """Concatenate sequences of one layout into one pose (person 0), played one after another.

    The result has the first sequence's fps; a sequence at another rate is resampled to it
    (linear interpolation in time; a point missing in either neighbouring frame stays missing).

    Args:
        sequences: sequences whose headers have the same components and points.

    Returns:
        A one-person ``pose_format.Pose`` (frames, 1, points, dims) in the sequences' units, at
        the first sequence's fps.

    Raises:
        SignkitError: no sequence, or sequences of different layouts; errors raised by the
            ``sequences`` iterator pass through.
    """
    from signkit.pose.motion import resample

    first, parts = None, []
    for sequence in sequences:
        if first is None:
            first = sequence
        elif [(c.name, c.points) for c in sequence.pose.header.components] != [
            (c.name, c.points) for c in first.pose.header.components
        ]:
            raise SignkitError(f"sequence {sequence.name}: layout {sequence.layout} differs from {first.layout} "
                               f"of sequence {first.name}; render them separately")  # fmt: skip
        data, _ = person0(sequence.pose)
        if abs(sequence.fps - first.fps) > 1e-3:
            data = resample(data, max(1, int(round(len(data) * first.fps / sequence.fps))))
        parts.append(data)
    if first is None:
        raise SignkitError("no sequences to render")
    return make_pose(first.pose.header, np.concatenate(parts), None, first.fps)


def render(sequences: Iterable[Sequence], output: str | Path | None, *, fmt: str | None = None,
           width: int = 512, height: int = 512, background: tuple[int, int, int] = (255, 255, 255),
           on_frame=None, overlay: Overlay | None = None) -> int:  # fmt: skip
    """Draw sequences as a skeleton signer and write an MP4 or a PNG frame folder.

    Frames are drawn by :func:`signkit.renderer.skeleton.draw_skeleton` (OpenPose's colours) and
    written by :func:`write_frames` (H.264 MP4 through PyAV, or PNG through OpenCV).

    Args:
        sequences: the sequences, rendered one after another with one framing for all.
        output: an ``.mp4`` file, a folder for PNG frames, or ``-``/None for standard output
            (fragmented MP4 to a pipe; faststart when it is redirected to a file).
        fmt: ``mp4`` or ``png``; default :func:`video_format` of the output.
        width, height: frame size in pixels (MP4 pads an odd size by one pixel).
        background: RGB background colour, 0-255 each.
        on_frame: called with the number of frames drawn since the last call (progress).
        overlay: composite onto a programme (:func:`write_frames`).

    Returns:
        The number of frames written.

    Raises:
        SignkitError: no sequence or sequences of different layouts (:func:`join_sequences`),
            bad sizes or background, no drawable point, or as :func:`write_frames` (an unknown
            output format, binary output to a terminal, a failed write: nothing is left behind).
    """
    from signkit.renderer.skeleton import draw_skeleton

    pose = join_sequences(sequences)
    frames = draw_skeleton(pose, width=width, height=height, background=background)
    return write_frames(frames, output, pose.body.fps, fmt=fmt, on_frame=on_frame, overlay=overlay)


def render_diffusion(sequences: Iterable[Sequence], output: str | Path | None, renderer, *, fmt: str | None = None,
                     on_frame=None, overlay: Overlay | None = None, **options) -> int:  # fmt: skip
    """Render sequences as a photo-realistic signer with a trained diffusion renderer.

    SignDiff's pose-to-video stage (Fang et al.): a dual-condition ControlNet on Stable
    Diffusion, run through diffusers (:class:`signkit.renderer.diffusion.DiffusionRenderer`).

    Args:
        sequences: the sequences (any layout that converts to PT-50), one after another.
        output: as :func:`render`.
        renderer: a :class:`signkit.renderer.diffusion.DiffusionRenderer`; frames are its
            resolution, square.
        fmt: ``mp4`` or ``png``; default :func:`video_format` of the output.
        on_frame: called with the number of frames made since the last call (progress).
        overlay: composite onto a programme (:func:`write_frames`).
        options: :meth:`~signkit.renderer.diffusion.DiffusionRenderer.render_conditions`'s
            ``prompt``, ``steps``, ``guidance``, ``batch_size``, ``seed``, ``frnet_mode``.

    Returns:
        The number of frames written.

    Raises:
        SignkitError: no sequence or sequences of different layouts, a pose without PT-50
            conversion or shoulders, an unknown FR-Net mode, or as :func:`write_frames` (an
            unknown output format, binary output to a terminal, a failed write).
    """
    pose = join_sequences(sequences)
    frames = renderer.render(pose, on_frame=on_frame, **options)
    return write_frames(frames, output, pose.body.fps, fmt=fmt, overlay=overlay)


@dataclass(frozen=True)
class Overlay:
    """The programme a signer is composited onto (``signkit render --overlay``).

    Attributes:
        video: the programme's video file; its frame rate and length make the output's, and its
            first audio stream is kept (re-encoded as AAC).
        corner: ``top-left``, ``top-right``, ``bottom-left`` or ``bottom-right``.
        size: the signer's height as a fraction of the programme's (0-1).
        margin: the gap to the edges as a fraction of the programme's height.
    """

    video: str
    corner: str = "bottom-right"
    size: float = 0.3
    margin: float = 0.03


def write_frames(frames: Iterable[np.ndarray], output: str | Path | None, fps: float, *, fmt: str | None = None,
                 on_frame=None, overlay: Overlay | None = None) -> int:  # fmt: skip
    """Write RGB uint8 frames (height, width, 3) as an MP4 or a PNG frame folder, all or nothing.

    MP4 is H.264 (libx264, yuv420p) through PyAV (:func:`signkit.video.write_video`), written to a
    temporary file and renamed into place; PNG frames go to a temporary folder that replaces
    ``output`` when every frame is written.

    Args:
        frames: the frames, all of one size.
        output: an ``.mp4`` file, a folder for PNG frames, or ``-``/None for standard output
            (fragmented MP4 to a pipe; faststart when it is redirected to a file).
        fps: frames per second of the video.
        fmt: ``mp4`` or ``png``; default :func:`video_format` of the output.
        on_frame: called with 1 after each frame is taken (progress).
        overlay: composite the frames picture-in-picture onto a programme (see :class:`Overlay`;
            H.264 + AAC MP4 as long as the programme, MP4 only).

    Returns:
        The number of frames written.

    Raises:
        SignkitError: no frames, a bad frame, an unknown output format, binary output to a
            terminal, PNG to standard output or with an overlay, an unreadable programme or one
            without a frame rate, a bad overlay corner, size or margin, a PNG folder that holds
            other files, or a failed write (nothing is left behind).
    """
    from signkit.video import picture_in_picture, read_frames, write_video

    if on_frame is not None:
        frames = _counted(frames, on_frame)
    fmt = fmt or video_format(output)
    audio = None
    if overlay is not None:
        if fmt != MP4:
            raise SignkitError("an overlay is written as MP4 (with the programme's sound), not PNG frames")
        programme, programme_fps = read_frames(Path(overlay.video))
        if programme_fps is None:
            raise SignkitError(f"{overlay.video}: the programme must be a video file with a frame rate")
        frames = picture_in_picture(programme, programme_fps, frames, fps, overlay.corner, overlay.size, overlay.margin)
        fps, audio = programme_fps, overlay.video
    if fmt == MP4:
        with output_stream(output, binary=True) as file:
            return write_video(frames, file, fps, fragmented=_streams(output),
                               name="<stdout>" if is_stdio(output) else str(output), audio=audio)  # fmt: skip
    if is_stdio(output):
        raise SignkitError("PNG frames go to a folder: give -o FOLDER")  # library callers; the commands check first
    return _write_folder(frames, Path(output))


def video_format(output: str | Path | None) -> str:
    """``mp4`` for standard output, a device or a pipe (:func:`signkit.pose.io.is_stream`) or a name
    ending in ``.mp4``; ``png`` for a name without a suffix or an existing folder (a folder of PNG
    frames).

    Raises:
        SignkitError: any other suffix (signkit writes MP4 and PNG frames only).
    """
    if is_stream(output) or Path(output).suffix.lower() == ".mp4":
        return MP4
    if Path(output).is_dir() or not Path(output).suffix:
        return PNG
    raise SignkitError(f"{output}: unknown video format {Path(output).suffix!r}; write .mp4 or a folder of PNG frames")


def _streams(output: str | Path | None) -> bool:
    """True when the MP4 goes to a pipe, a terminal or a device (fragmented); False for a regular
    file, including standard output redirected to one (``> x.mp4``), which gets ``+faststart``."""
    if not is_stdio(output):
        return is_stream(output)
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
    others = [p.name for p in folder.iterdir() if not re.fullmatch(r"frame_\d+\.png", p.name)] if folder.is_dir() else []
    if others:
        raise SignkitError(f"{folder}: holds other files than PNG frames ({others[0]}, ...); give a new or frame folder")
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
