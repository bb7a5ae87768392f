"""Pose file formats: ``.skels``, ``.pose`` and ``.h5``, read into and written from :class:`Sequence`.

``.skels`` (Progressive Transformers, Saunders et al. 2020)
    Text, one sequence a line: all frames joined by single spaces, each frame the layout's
    J x D values (PT-50: 50 x 3 = 150; slrtp178 in normalised units: 178 x 3 = 534) followed by a
    counter t/T (0 .. (T-1)/T); a line's layout is the one whose counter column counts. Joint values are
    written with 5 decimals and the counter with 4, as in the released PHOENIX14T data. Parallel
    files beside ``NAME.skels`` hold one line per sequence: ``NAME.text`` (sentence),
    ``NAME.gloss`` (glosses) and ``NAME.files`` (sequence names). The counter is derived data:
    it is checked for shape on reading and regenerated as t/T on writing.
``.pose``
    pose-format's binary file, one sequence; the header carries the layout.
``.h5``
    Many sequences in one HDF5 file (layout in ``docs/h5.md``): one group per sequence name
    (a name with ``/`` makes nested groups) holding ``data`` (T, J, D) float32 with NaN for
    missing points and ``confidence`` (T, J) float32; group attributes ``fps``, ``layout`` and
    optionally ``text``, ``gloss``, ``start`` (seconds) and ``header`` (pose-format header bytes,
    for every layout but pt50, which signkit defines); file attribute ``format_version`` (1).

Every reader yields :class:`Sequence` and raises :class:`SignkitError` naming the file and the
line or sequence at fault; every writer takes an iterable of them. The readers of many sequences
(``.skels``, ``.h5``) take ``on_error``: a bad sequence is handed to it and the next one read, the
rule of the commands that write one output per sequence (a bad sequence is named, every good one
written, exit 1).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from pose_format import Pose
from pose_format.pose_header import PoseHeader
from pose_format.utils.reader import BufferReader

from signkit.errors import SignkitError
from signkit.pose import FORMATS, H5, POSE, SKELS  # noqa: F401  (re-exported)
from signkit.pose.layouts import CUSTOM, PT50, header_for, pt50_header, slrtp178_header
from signkit.pose.sequence import Sequence, make_pose, mark_missing, person0

SUFFIXES = {".skels": SKELS, ".pose": POSE, ".h5": H5, ".hdf5": H5}
SIBLINGS = ("text", "gloss", "files")
H5_FORMAT_VERSION = 1
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
DEFAULT_FPS = 25.0

OnError = Callable[[SignkitError], None] | None  # given: a bad sequence is handed to it and skipped


def _each(read: Callable[[], Sequence], on_error: OnError) -> Iterator[Sequence]:
    """The sequence ``read()`` gives, or none when it fails and ``on_error`` takes the error."""
    try:
        yield read()
    except SignkitError as error:
        if on_error is None:
            raise
        on_error(error)


def format_of_path(path: str | Path) -> str | None:
    """The format named by a file's suffix (``.skels``, ``.pose``, ``.h5``/``.hdf5``), or None."""
    return SUFFIXES.get(Path(path).suffix.lower())


def sniff(head: bytes) -> str:
    """Guess a pose format from the first bytes of a stream.

    HDF5 by its 8-byte signature, ``.pose`` by pose-format's leading version number (a
    little-endian float32 of 0.1 or 0.2), anything else is taken as ``.skels`` text.

    Args:
        head: the stream's first bytes (16 are enough).

    Returns:
        ``h5``, ``pose`` or ``skels``.
    """
    if head.startswith(HDF5_SIGNATURE):
        return H5
    if len(head) >= 4 and round(struct.unpack("<f", head[:4])[0], 4) in (0.1, 0.2):
        return POSE
    return SKELS


def decode_text(content: bytes, name: str) -> str:
    """Decode UTF-8 text, naming the file and line of the first bad byte on failure.

    Raises:
        SignkitError: the bytes are not UTF-8 (``NAME:LINE: not UTF-8 text (byte N)``).
    """
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise SignkitError(f"{name}:{line}: not UTF-8 text (byte {error.start})") from None


# --- .skels -------------------------------------------------------------------------------------


def parse_skels_line(line: str, where: str, header: PoseHeader | None = None,
                     dims: int = 3) -> tuple[np.ndarray, PoseHeader]:  # fmt: skip
    """Parse one ``.skels`` line into frames.

    Args:
        line: the frames' values separated by whitespace.
        where: ``FILE:LINE`` for error messages.
        header: the layout of the frames; None: PT-50, or slrtp178 (normalised) when its frames of
            535 values carry a t/T counter and PT-50's of 151 do not.
        dims: values per joint.

    Returns:
        ``(frames, header)``: float32 array (frames, joints, dims), the counter column removed,
        and the layout's header.

    Raises:
        SignkitError: a value is not a number, the line is empty, the number of values is not a
            whole number of frames, or the counter column is not a counter in [0, 1].
    """
    tokens = line.split()
    if not tokens:
        raise SignkitError(f"{where}: empty line, no frames")
    try:
        values = np.array(tokens, dtype=np.float32)
    except ValueError:
        bad = next(t for t in tokens if not _is_number(t))
        raise SignkitError(f"{where}: {bad[:20]!r} is not a number") from None
    if header is None:
        header = pt50_header()
        if _counts(values, 178 * dims + 1) and not _counts(values, 50 * dims + 1):
            header = slrtp178_header()
    joints = header.total_points()
    stride = joints * dims + 1
    if values.size % stride:
        raise SignkitError(
            f"{where}: {values.size} values is not a whole number of frames of {stride} "
            f"({joints} joints x {dims} + counter)"
        )
    frames = values.reshape(-1, stride)
    counter = frames[:, -1]
    if not np.isfinite(counter).all() or counter.min() < -0.01 or counter.max() > 1.5:
        raise SignkitError(f"{where}: the last value of each frame is not a counter in [0, 1]; "
                           f"is the layout {joints} joints x {dims}?")  # fmt: skip
    return frames[:, :-1].reshape(-1, joints, dims), header


def _counts(values: np.ndarray, stride: int) -> bool:
    """Whether ``values`` are whole frames of ``stride`` values whose last is the counter t/T."""
    if values.size % stride:
        return False
    counter = values.reshape(-1, stride)[:, -1]
    return bool(np.allclose(counter, np.arange(len(counter)) / len(counter), atol=1e-3))


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


_SKELS_DECIMALS = 5
_SKELS_INTEGER_DIGITS = 12  # values up to 1e12 in magnitude: pixels of any image, let alone normalised units


def format_skels_line(data: np.ndarray) -> str:
    """Format frames as one ``.skels`` line with a t/T counter (Progressive Transformers, Saunders
    et al., 2020).

    Missing values (NaN) are written as 0, the convention of Progressive Transformers' data. The
    text equals ``"%.5f"`` value by value (correctly rounded, ties to even, ``-0.00000`` for small
    negatives), built with array operations: value-by-value formatting took 10.7 of the 17 s
    t2p spent writing 110 How2Sign lines with the face.

    Args:
        data: (frames, joints, dims) array; PT-50 in normalised units for a real ``.skels`` file.

    Returns:
        One line without its newline: per frame, joints * dims values with 5 decimals and then the
        counter t/T with 4.

    Raises:
        ValueError: a value is infinite or 1e12 or more in magnitude (no pose is).
    """
    frames = np.nan_to_num(np.asarray(data, dtype=np.float32), nan=0.0, posinf=np.inf, neginf=-np.inf)
    frames = frames.reshape(len(data), -1)
    count = len(frames)
    if count == 0:
        return ""
    # A float32 times 10^5 = 2^5 * 3125 needs 24 + 12 bits: exact in float64, so rint rounds the exact value.
    scaled = np.abs(frames.astype(np.float64)) * 10.0**_SKELS_DECIMALS
    if not np.all(scaled < 10.0 ** (_SKELS_INTEGER_DIGITS + _SKELS_DECIMALS)):
        raise ValueError(f"a pose value is infinite or too large for .skels text: {np.abs(frames).max()}")
    units = np.rint(scaled).astype(np.int64)
    whole, fraction = np.divmod(units, 10**_SKELS_DECIMALS)
    digits = np.ones(units.shape, np.int64)  # of the whole part
    for place in range(1, _SKELS_INTEGER_DIGITS):
        longer = whole >= 10**place
        if not longer.any():
            break
        digits += longer
    most = int(digits.max())
    field = np.zeros((count, frames.shape[1] + 1, 1 + 1 + most + 1 + _SKELS_DECIMALS), np.uint8)
    values = field[:, :-1]  # each value: separator, sign, whole, point, decimals; 0 marks unused places
    values[..., 0] = ord(" ")
    point = field.shape[-1] - _SKELS_DECIMALS - 1
    values[..., point] = ord(".")
    fraction = fraction.astype(np.int32)
    for place in range(_SKELS_DECIMALS):
        values[..., -1 - place] = fraction % 10 + ord("0")
        fraction //= 10
    negative = np.signbit(frames)
    for place in range(most + 1):
        sign = np.where((place == digits) & negative, ord("-"), 0)
        values[..., point - 1 - place] = np.where(place < digits, whole % 10 + ord("0"), sign)
        whole //= 10
    counters = "".join(f" {t / count:.4f}" for t in range(count)).encode()  # "1.0000" at most: 7 bytes each
    field[:, -1, -7:] = np.frombuffer(counters, np.uint8).reshape(count, 7)
    return field[field != 0].tobytes()[1:].decode("ascii")


def skels_lines(text: str) -> list[str]:
    """The sequence lines of ``.skels`` text; blank lines at the end close the file, they are no sequence."""
    return text.rstrip("\r\n\t ").splitlines()


def read_skels(text: str, name: str, siblings: dict[str, list[str]] | None = None, fps: float = DEFAULT_FPS,
               header: PoseHeader | None = None, on_error: OnError = None) -> Iterator[Sequence]:  # fmt: skip
    """Read ``.skels`` text into sequences.

    Args:
        text: the file's content.
        name: the file name for messages (``<stdin>`` for a stream).
        siblings: lines of the ``text``, ``gloss`` and ``files`` files, each as long as ``text``.
        fps: frame rate (``.skels`` does not store one; PHOENIX14T and How2Sign t2p use 25).
        header: the layout of the frames; None: each line's (:func:`parse_skels_line`).
        on_error: given, a bad line's error is handed to it and the next line read.

    Yields:
        One :class:`Sequence` per line, named from ``files`` or else ``000001``, ``000002``...;
        its pose (frames, 1, joints, 3) float32 with confidence 1.

    Raises:
        SignkitError: no sequence at all, or (without ``on_error``) a bad line (see
            :func:`parse_skels_line`), raised when iteration reaches it.
    """
    siblings = siblings or {}
    lines = skels_lines(text)
    if not any(line.strip() for line in lines):
        raise SignkitError(f"{name}: no sequences (empty input)")
    names = siblings.get("files")
    for number, line in enumerate(lines, start=1):
        yield from _each(lambda: Sequence(
            name=names[number - 1] if names else f"{number:06d}",
            pose=_skels_pose(line, f"{name}:{number}", header, fps),
            text=siblings["text"][number - 1] if "text" in siblings else None,
            gloss=siblings["gloss"][number - 1] if "gloss" in siblings else None,
        ), on_error)  # fmt: skip


def _skels_pose(line: str, where: str, header: PoseHeader | None, fps: float) -> Pose:
    frames, header = parse_skels_line(line, where, header)
    return make_pose(header, frames, None, fps)


def read_skels_siblings(path: Path, count: int | None = None) -> dict[str, list[str]]:
    """Read the ``.text``/``.gloss``/``.files`` files beside ``path`` that exist.

    Args:
        path: the ``.skels`` file.
        count: the number of sequence lines it has, or None not to check.

    Returns:
        A dict from ``text``, ``gloss``, ``files`` (those that exist) to their lines.

    Raises:
        SignkitError: a sibling's line count differs from ``count`` (the ``.skels`` lines), or a
            sibling is not UTF-8 text.
    """
    siblings = {}
    for kind in SIBLINGS:
        sibling = path.with_suffix(f".{kind}")
        if sibling.is_file():
            lines = decode_text(sibling.read_bytes(), str(sibling)).splitlines()
            if count is not None and len(lines) != count:
                raise SignkitError(f"{sibling}: {len(lines)} lines, but {path.name} has {count} sequences")
            siblings[kind] = lines
    return siblings


# --- .pose --------------------------------------------------------------------------------------


def read_pose(content: bytes, name: str) -> Sequence:
    """Read a pose-format ``.pose`` file's bytes into one sequence.

    Args:
        content: the file's bytes.
        name: the file name, for messages; its stem names the sequence.

    Raises:
        SignkitError: pose-format cannot read the bytes, the pose has no frames or no person, or
            its frame rate is not positive.
    """
    try:
        pose = Pose.read(content)
    except Exception as error:  # pose-format raises struct, value and index errors on bad bytes
        raise SignkitError(f"{name}: not a valid .pose file ({type(error).__name__}: {error})") from None
    frames, people = pose.body.data.shape[:2]
    if frames == 0 or people == 0:
        raise SignkitError(f"{name}: the pose has no {'frames' if frames == 0 else 'person'}")
    if not pose.body.fps > 0:
        raise SignkitError(f"{name}: frame rate {pose.body.fps} is not positive")
    return Sequence(name=Path(name).stem, pose=mark_missing(pose))


def write_pose(sequence: Sequence, file: BinaryIO) -> None:
    """Write one sequence as a pose-format ``.pose`` file (text, gloss and start are not stored).

    Args:
        sequence: the sequence; all of its people are written.
        file: a binary file object open for writing.
    """
    sequence.pose.write(file)


# --- .h5 ----------------------------------------------------------------------------------------


def read_h5(content: bytes, name: str, on_error: OnError = None) -> Iterator[Sequence]:
    """Read every sequence of a signkit HDF5 file's bytes, in the order they were written.

    Args:
        content: the file's bytes.
        name: the file name for messages.
        on_error: given, a bad sequence's error is handed to it and the next sequence read.

    Yields:
        One :class:`Sequence` per group holding a ``data`` dataset, named by its group path;
        its pose (T, 1, J, D) float32, NaN data read as missing.

    Raises:
        SignkitError: not an HDF5 file; no sequence; (without ``on_error``) a sequence without ``fps``, with a frame
            rate that is not positive, an unknown layout and no ``header`` attribute, data that
            does not fit the layout, confidence of another shape, or no frames. The message
            names the file and the sequence.
    """
    import h5py

    try:
        file = h5py.File(io.BytesIO(content), "r")
    except OSError as error:
        raise SignkitError(f"{name}: not a readable HDF5 file ({error})") from None
    with file:
        found = False
        for path, group in _h5_sequence_groups(file):
            found = True
            yield from _each(lambda: _h5_sequence(path, group, name), on_error)
        if not found:
            raise SignkitError(f"{name}: no sequences (no group with a 'data' dataset)")


def _h5_sequence_groups(group, prefix: str = ""):
    import h5py

    for key in group.keys():
        item = group[key]
        if isinstance(item, h5py.Group):
            path = f"{prefix}{key}"
            if "data" in item:
                yield path, item
            else:
                yield from _h5_sequence_groups(item, path + "/")


def _h5_sequence(path: str, group, name: str) -> Sequence:
    where = f"{name}: sequence {path}"
    attrs = group.attrs
    if "fps" not in attrs:
        raise SignkitError(f"{where}: no 'fps' attribute (its frame rate)")
    data = np.asarray(group["data"], dtype=np.float32)
    confidence = np.asarray(group["confidence"], dtype=np.float32) if "confidence" in group else None
    fps = float(attrs["fps"])
    layout = str(attrs.get("layout", CUSTOM))
    if not fps > 0:
        raise SignkitError(f"{where}: frame rate {fps} is not positive")
    if "header" in attrs:
        header = PoseHeader.read(BufferReader(bytes(np.asarray(attrs["header"]).tobytes())))
    else:
        try:
            header = header_for(layout)
        except ValueError as error:
            raise SignkitError(f"{where}: {error} and no 'header' attribute") from None
    if data.ndim != 3 or data.shape[1] != header.total_points():
        raise SignkitError(f"{where}: data of shape {data.shape} does not fit layout {layout} "
                           f"({header.total_points()} points)")  # fmt: skip
    if confidence is not None and confidence.shape != data.shape[:2]:
        raise SignkitError(f"{where}: confidence of shape {confidence.shape} does not match data {data.shape}")
    if len(data) == 0:
        raise SignkitError(f"{where}: no frames")
    return Sequence(
        name=path,
        pose=make_pose(header, data, confidence, fps),
        text=_h5_text(attrs.get("text")),
        gloss=_h5_text(attrs.get("gloss")),
        start=float(attrs.get("start", 0.0)),
    )


def _h5_text(value) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def write_h5(sequences: Iterable[Sequence], file: BinaryIO) -> int:
    """Write sequences into one HDF5 file (layout in the module docstring and ``docs/h5.md``).

    Person 0 of each pose is written: ``data`` (T, J, D) float32 with NaN for missing points,
    ``confidence`` (T, J) float32.

    Args:
        sequences: the sequences, consumed once.
        file: a binary file object open for writing (seekable: h5py writes in place).

    Returns:
        The number of sequences written.

    Raises:
        SignkitError: two sequences share a name, one name is a prefix group of another, or a
            name has no part that can be a group name (empty or only ``/``).
    """
    import h5py

    from signkit import __version__

    count = 0
    with h5py.File(file, "w", track_order=True) as h5:
        h5.attrs["format_version"] = H5_FORMAT_VERSION
        h5.attrs["signkit_version"] = __version__
        for sequence in sequences:
            group = _h5_new_group(h5, sequence.name)
            data, confidence = person0(sequence.pose)
            group.create_dataset("data", data=data)
            group.create_dataset("confidence", data=confidence)
            layout = sequence.layout
            group.attrs["fps"] = sequence.fps
            group.attrs["layout"] = layout
            if layout != PT50:
                buffer = io.BytesIO()
                sequence.pose.header.write(buffer)
                group.attrs["header"] = np.void(buffer.getvalue())
            for key in ("text", "gloss"):
                if getattr(sequence, key) is not None:
                    group.attrs[key] = getattr(sequence, key)
            if sequence.start:
                group.attrs["start"] = sequence.start
            count += 1
    return count


def _h5_new_group(h5, name: str):
    group = h5
    parts = [part for part in name.split("/") if part]
    if not parts:
        raise SignkitError(f"sequence name {name!r} cannot be an HDF5 group name")
    for depth, part in enumerate(parts):
        if part in group:
            group = group[part]
            if depth == len(parts) - 1 or "data" in group:
                raise SignkitError(f"two sequences are named {name!r} (or one is inside another); names must be unique")
        else:
            group = group.create_group(part, track_order=True)
    return group
