"""Video in and out on PyAV: H.264 MP4 that plays in browsers, and folders of PNG frames.

Frames are always RGB ``uint8`` arrays of shape (height, width, 3), in pixels.

* :func:`write_video` encodes H.264 (libx264, yuv420p) MP4 to an open binary file: with
  ``fragmented=True`` as fragmented MP4 (``frag_keyframe+empty_moov+default_base_moof``), which
  streams to a pipe such as ``sys.stdout.buffer``; else with ``+faststart`` (the index first, so
  a browser starts playing before the download ends), written through a temporary file because
  the muxer rereads its output to move the index.
* :func:`write_png_frames` writes ``frame_000001.png``, ``frame_000002.png``, ... into a folder.
* :func:`read_frames` reads any video PyAV can decode, or such a folder of PNG frames.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from signkit.errors import SignkitError

FRAGMENTED_FLAGS = "frag_keyframe+empty_moov+default_base_moof"
FASTSTART_FLAGS = "+faststart"
# libx264 settings, measured on two cores at 512x512: preset superfast keeps up with skeleton
# drawing (over 300 frames/s together); tune animation suits flat colours and sharp edges;
# zerolatency (no B-frames or lookahead, sliced threads) encodes about a third faster for about
# 5% more bytes and lets a pipe receive each fragment at once; at crf 20 the coding loss (about
# 46 dB PSNR on skeleton drawings) is far below that of yuv420p's halved colour resolution.
X264_OPTIONS = {"preset": "superfast", "tune": "animation,zerolatency", "crf": "20"}
# The frames are converted with BT.601 limited range (cv2's RGB2YUV_I420, which averages each
# 2x2 block of colour), and the stream says so, so players convert back the same way.
_BT601 = 6  # AVCOL_SPC_SMPTE170M, AVCOL_PRI_SMPTE170M, AVCOL_TRC_SMPTE170M
_LIMITED_RANGE = 1  # AVCOL_RANGE_MPEG
PNG_PATTERN = "frame_{:06d}.png"


def _frame_rate(fps: float, where: str) -> Fraction:
    """fps as an exact fraction: 29.97 -> 2997/100, 29.97003 (NTSC, 30000/1001) -> 30000/1001."""
    if not isinstance(fps, numbers.Real) or not math.isfinite(fps) or fps <= 0:
        raise SignkitError(f"{where}: frame rate must be a positive number of frames per second, got {fps!r}")
    return Fraction(float(fps)).limit_denominator(1001)


def _checked(frames: Iterable[np.ndarray], where: str) -> Iterator[np.ndarray]:
    """The frames, each checked to be RGB uint8 (H, W, 3) of the same shape as the first."""
    shape = None
    for number, frame in enumerate(frames, start=1):
        array = isinstance(frame, np.ndarray)
        if not (array and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3):
            got = f"{frame.dtype} {frame.shape}" if array else type(frame).__name__
            raise SignkitError(f"{where}: frame {number}: expected RGB uint8 (height, width, 3), got {got}")
        if shape is None:
            shape = frame.shape
            if 0 in shape:
                raise SignkitError(f"{where}: frame {number}: empty frame {shape}")
        elif frame.shape != shape:
            raise SignkitError(f"{where}: frame {number}: shape {frame.shape} differs from frame 1's {shape}")
        yield frame


def write_video(frames: Iterable[np.ndarray], file: BinaryIO, fps: float, *, fragmented: bool,
                name: str | None = None, audio: str | Path | None = None) -> int:  # fmt: skip
    """Encode frames as an H.264 MP4 (libx264, yuv420p) to an open binary file.

    Args:
        frames: RGB uint8 arrays, all of shape (height, width, 3). yuv420p needs an even width
            and height: an odd width or height is padded by one pixel (a copy of the last
            column or row) on the right or bottom, so the video is at most 1 pixel larger.
        file: a binary file object open for writing: a seekable file, or a pipe such as
            ``sys.stdout.buffer`` (then use ``fragmented=True``, or the whole video is first
            written to a temporary file and copied).
        fps: frames per second, may be fractional (29.97); stored as an exact fraction.
        fragmented: True for fragmented MP4 (``frag_keyframe+empty_moov+default_base_moof``),
            written as it is encoded, for pipes; False for ``+faststart`` MP4, for files.
        name: the output's name for messages (default: the file object's name).
        audio: a video or audio file whose first audio stream is re-encoded as AAC beside the
            video (``signkit render --overlay``); None, or a file without audio: video only.

    Returns:
        The number of frames written.

    Raises:
        SignkitError: no frames, a frame that is not RGB uint8 or differs in shape from the
            first, a bad fps, or an encoding failure. ``BrokenPipeError`` passes through, so a
            closed pipe can end quietly.
    """
    import av

    where = name or (file.name if isinstance(getattr(file, "name", None), str) else "video")
    rate = _frame_rate(fps, where)
    frames = _checked(frames, where)
    first = next(frames, None)
    if first is None:
        raise SignkitError(f"{where}: no frames to write")
    try:
        if fragmented:
            return _encode(first, frames, file, rate, FRAGMENTED_FLAGS, audio)
        with tempfile.TemporaryDirectory(prefix="signkit-video-") as folder:
            path = Path(folder) / "video.mp4"
            count = _encode(first, frames, str(path), rate, FASTSTART_FLAGS, audio)
            with path.open("rb") as encoded:
                shutil.copyfileobj(encoded, file)
            return count
    except av.error.FFmpegError as error:
        if isinstance(error, BrokenPipeError):
            raise
        raise SignkitError(f"{where}: cannot encode video: {error}") from error


def _encode(first: np.ndarray, rest: Iterator[np.ndarray], target, rate: Fraction, movflags: str,
            audio: str | Path | None = None) -> int:  # fmt: skip
    """Mux ``first`` and ``rest`` (and ``audio``'s sound) into ``target`` (a path or file object);
    the frame count."""
    import av
    import cv2

    height, width = first.shape[:2]
    pad = ((0, height % 2), (0, width % 2), (0, 0))
    with av.open(target, mode="w", format="mp4", options={"movflags": movflags}) as container:
        stream = container.add_stream("libx264", rate=rate, options=dict(X264_OPTIONS))
        sound = _AudioCopy(audio, container) if audio is not None else None
        stream.width, stream.height = width + width % 2, height + height % 2
        stream.pix_fmt = "yuv420p"
        context = stream.codec_context
        context.thread_count = 0  # x264 picks the thread count for the machine
        context.colorspace = context.color_primaries = context.color_trc = _BT601
        context.color_range = _LIMITED_RANGE
        count = 0
        for frame in itertools.chain([first], rest):
            if height % 2 or width % 2:
                frame = np.pad(frame, pad, mode="edge")
            yuv = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)  # (height * 3 / 2, width) planes
            video_frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            video_frame.pts = count
            container.mux(stream.encode(video_frame))
            count += 1
        container.mux(stream.encode(None))
        if sound is not None:
            sound.finish()
    return count


class _AudioCopy:
    """The first audio stream of a file, decoded and re-encoded as AAC (FFmpeg's native encoder,
    the source's sample rate and channel layout, 128 kbit/s) into an open MP4 container."""

    def __init__(self, path: str | Path, container):
        import av

        self.source = av.open(str(path))
        if not self.source.streams.audio:
            self.source.close()
            self.source = None
            return
        incoming = self.source.streams.audio[0]
        rate = incoming.codec_context.sample_rate or 48000
        self.stream = container.add_stream("aac", rate=rate)
        self.stream.layout = incoming.codec_context.layout.name if incoming.codec_context.layout else "stereo"
        self.stream.bit_rate = 128_000
        self.resampler = av.AudioResampler(format="fltp", layout=self.stream.layout, rate=rate)
        self.container, self.incoming = container, incoming

    def finish(self) -> None:
        """Encode all of the source's sound and close it."""
        if self.source is None:
            return
        try:
            for frame in self.source.decode(self.incoming):
                frame.pts = None
                for piece in self.resampler.resample(frame):
                    self.container.mux(self.stream.encode(piece))
            for piece in self.resampler.resample(None):
                self.container.mux(self.stream.encode(piece))
            self.container.mux(self.stream.encode(None))
        finally:
            self.source.close()


def picture_in_picture(source: Iterable[np.ndarray], source_fps: float, signer: Iterable[np.ndarray],
                       signer_fps: float, corner: str = "bottom-right", size: float = 0.3,
                       margin: float = 0.03) -> Iterator[np.ndarray]:  # fmt: skip
    """The signer composited into a corner of a programme's frames, as long as the programme.

    The signer's frames are scaled with OpenCV (``cv2.resize``, ``INTER_AREA``) and pasted opaque.

    Args:
        source: the programme's RGB uint8 frames (height, width, 3).
        source_fps: their frames per second.
        signer: the signer's RGB uint8 frames, at ``signer_fps``; frame n of the programme
            shows the signer frame of the same time (the last one held after the signing ends).
        corner: ``top-left``, ``top-right``, ``bottom-left`` or ``bottom-right``.
        size: the signer's height as a fraction of the programme's height (0-1); the width
            keeps the signer's aspect ratio, both clipped to the programme frame.
        margin: the gap to the frame's edges, a fraction of its height.

    Yields:
        RGB uint8 frames of the programme's size, one per programme frame.

    Raises:
        SignkitError: an unknown corner, a size outside 0-1 or a margin outside 0-0.5, or no
            signer frames (raised on the first ``next``, as this is a generator).
    """
    import cv2

    if corner not in CORNERS:
        raise SignkitError(f"unknown corner {corner!r}: {', '.join(CORNERS)}")
    if not 0 < size <= 1 or not 0 <= margin < 0.5:
        raise SignkitError(f"overlay size must be 0-1 and margin 0-0.5 of the frame height, got {size} and {margin}")
    signer = iter(signer)
    current = next(signer, None)
    if current is None:
        raise SignkitError("no signer frames to overlay")
    shown, placed = 0, None
    for number, frame in enumerate(source):
        while (shown + 1) / signer_fps <= number / source_fps:
            following = next(signer, None)
            if following is None:
                break
            current, shown, placed = following, shown + 1, None
        if placed is None:
            height, width = frame.shape[:2]
            tall = max(2, round(size * height))
            wide = max(2, round(current.shape[1] * tall / current.shape[0]))
            placed = cv2.resize(current, (min(wide, width), min(tall, height)), interpolation=cv2.INTER_AREA)
        gap = round(margin * frame.shape[0])
        top = gap if corner.startswith("top") else frame.shape[0] - placed.shape[0] - gap
        left = gap if corner.endswith("left") else frame.shape[1] - placed.shape[1] - gap
        top, left = max(0, top), max(0, left)
        out = frame.copy()
        out[top : top + placed.shape[0], left : left + placed.shape[1]] = placed[: out.shape[0] - top, : out.shape[1] - left]
        yield out


CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


def write_png_frames(frames: Iterable[np.ndarray], folder: Path) -> int:
    """Write RGB uint8 frames (height, width, 3) as ``frame_000001.png``, ... into a folder.

    Encoded by OpenCV (``cv2.imwrite``), lossless 8-bit RGB PNG.

    Args:
        frames: RGB uint8 arrays, all of the same shape.
        folder: an existing folder; files of the same names are overwritten.

    Returns:
        The number of frames written.

    Raises:
        SignkitError: the folder does not exist, no frames, a bad frame, or a failed write.
    """
    import cv2

    folder = Path(folder)
    if not folder.is_dir():
        raise SignkitError(f"{folder}: no such folder")
    count = 0
    for count, frame in enumerate(_checked(frames, str(folder)), start=1):
        path = folder / PNG_PATTERN.format(count)
        if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise SignkitError(f"{path}: cannot write PNG frame")
    if count == 0:
        raise SignkitError(f"{folder}: no frames to write")
    return count


@contextmanager
def spooled(path: str | Path) -> Iterator[Path]:
    """A video path to decode: ``path`` itself, or for ``-`` standard input copied to a temporary
    file (video containers such as MP4 are read by seeking, which a pipe cannot do), removed when
    the block ends.

    Raises:
        SignkitError: ``-`` while standard input is a terminal (a video cannot be typed).
    """
    from signkit.pose.io import is_stdio, stdin_hint

    if not is_stdio(path):
        yield Path(path)
        return
    stdin_hint(None)
    with tempfile.NamedTemporaryFile(prefix="signkit-stdin-", suffix=".video") as file:
        shutil.copyfileobj(sys.stdin.buffer, file)
        file.flush()
        yield Path(file.name)


def read_frames(path: Path) -> tuple[Iterator[np.ndarray], float | None]:
    """Read the frames of a video file, or of a folder of PNG frames.

    Args:
        path: a video file PyAV can decode (its first video stream), or a folder of ``*.png``
            frames, taken in the order of the last number in their names (``frame_000002.png``
            before ``frame_000010.png``).

    Returns:
        ``(frames, fps)``: an iterator of RGB uint8 arrays (height, width, 3), decoded lazily,
        and the frames per second of the video (None for PNG frames, or a video that does
        not say).

    Raises:
        SignkitError: the path does not exist, is not a decodable video, has no video stream,
            a folder holds no PNG files, or a frame cannot be decoded or differs in size from
            the first (raised while iterating).
    """
    path = Path(path)
    if path.is_dir():
        return _read_pngs(path), None
    if not path.exists():
        raise SignkitError(f"{path}: no such file or folder")
    return _read_video(path)


def _frame_number(path: Path) -> tuple[int, str]:
    numbers = re.findall(r"\d+", path.stem)
    return (int(numbers[-1]) if numbers else -1, path.name)


def _read_pngs(folder: Path) -> Iterator[np.ndarray]:
    files = [p for p in folder.iterdir() if p.suffix.lower() == ".png" and p.is_file()]
    files.sort(key=_frame_number)
    if not files:
        raise SignkitError(f"{folder}: no PNG frames in the folder")
    return _decode_pngs(files)


def _decode_pngs(files: list[Path]) -> Iterator[np.ndarray]:
    import cv2

    shape = None
    for file in files:
        image = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if image is None:
            raise SignkitError(f"{file}: cannot decode PNG")
        if shape is None:
            shape = image.shape
        elif image.shape != shape:
            raise SignkitError(f"{file}: size {image.shape[1]}x{image.shape[0]} differs from the "
                               f"first frame's {shape[1]}x{shape[0]}")  # fmt: skip
        yield cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _read_video(path: Path) -> tuple[Iterator[np.ndarray], float | None]:
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise SignkitError(f"{path}: cannot read video: {error}") from error
    if not container.streams.video:
        container.close()
        raise SignkitError(f"{path}: no video stream")
    stream = container.streams.video[0]
    rate = stream.average_rate or stream.guessed_rate
    return _decode_video(container, path), (float(rate) if rate else None)


def _decode_video(container, path: Path) -> Iterator[np.ndarray]:
    import av

    number = 0
    try:
        for number, frame in enumerate(container.decode(video=0), start=1):
            yield frame.to_ndarray(format="rgb24")
    except av.error.FFmpegError as error:
        raise SignkitError(f"{path}: frame {number + 1}: cannot decode: {error}") from error
    finally:
        container.close()
