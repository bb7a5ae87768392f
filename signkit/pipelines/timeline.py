"""Signing laid on a programme's timeline: one clip per subtitle cue, each starting at its cue.

:func:`align` places each cue's signing (a clip that starts and ends at the rest pose, as every
t2p pipeline makes) so that it starts on the frame of the cue's start and fills the cue: its
speed changes to fit, within bounds that keep signs legible (by default 0.75x to 1.5x the
produced speed: sign language interpreters shorten holds and transitions, but fingerspelling
and handshapes blur beyond about 1.5x). A clip too long for its cue even at the fastest speed
runs on into the gap after it; the next cue then starts late, by as little as possible, and
every such shift is reported. Between cues the signer holds the rest pose.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from signkit.errors import SignkitError


@dataclass(frozen=True)
class Placed:
    """Where one cue's signing landed.

    Attributes:
        number: the cue's number in its file.
        start: the first frame of its signing (frame n is at n / fps seconds).
        frames: how many frames it lasts.
        speed: its speed relative to the produced clip (>1 faster).
        late: frames after the cue's own start (0 unless the cue before ran over).
        overrun: frames beyond the cue's end.
    """

    number: int
    start: int
    frames: int
    speed: float
    late: int
    overrun: int


def align(clips: list[np.ndarray], cues: list, fps: float, slowest: float = 0.75, fastest: float = 1.5,
          report: Callable[[str], None] | None = None) -> tuple[np.ndarray, list[Placed]]:  # fmt: skip
    """Lay clips on the timeline of their cues.

    Args:
        clips: one per cue, float (frames, joints, dims), each starting and ending at the rest
            pose; NaN for missing points is kept.
        cues: objects with ``number``, ``start`` and ``end`` in seconds
            (:class:`signkit.text.subtitles.Cue`), in time order.
        fps: frames per second of the clips and of the result.
        slowest, fastest: the speed bounds (0 < slowest <= 1 <= fastest).
        report: called with a line for each cue that overruns or starts late.

    Returns:
        ``(points, placed)``: float32 (frames, joints, dims) covering the programme from time 0
        to the last cue's end (or the end of the last overrun), frame n at n / fps seconds; and
        where each cue landed.

    Raises:
        SignkitError: no clips, a clip count that differs from the cues', clips of different
            joint shapes, or bad speed bounds.
    """
    from signkit.pose.motion import resample

    if not clips or len(clips) != len(cues):
        raise SignkitError(f"{len(clips)} signing clips for {len(cues)} cues")
    if not (0 < slowest <= 1 <= fastest):
        raise SignkitError(f"speed bounds must satisfy 0 < slowest <= 1 <= fastest, got {slowest} and {fastest}")
    if len({clip.shape[1:] for clip in clips}) > 1:
        raise SignkitError("the cues' clips differ in joints or dimensions")
    report = report or (lambda message: None)
    parts, placed, cursor = [], [], 0
    for clip, cue in zip(clips, cues):
        wanted = round(cue.start * fps)
        start = max(wanted, cursor)
        window = round(cue.end * fps) - start
        natural = len(clip)
        frames = min(max(window, math.ceil(natural / fastest)), max(1, math.floor(natural / slowest)))
        if start > cursor:
            parts.append(np.repeat(clip[:1], start - cursor, axis=0))  # rest until the cue starts
        parts.append(resample(clip, frames) if frames != natural else clip)
        overrun = max(0, start + frames - round(cue.end * fps))
        late = start - wanted
        if late:
            report(f"cue {cue.number}: starts {late / fps:.2f} s late ({late} frames), after the signing before it")
        if overrun:
            report(f"cue {cue.number}: its signing needs {natural / fastest / fps:.2f} s at {fastest:g}x, the cue lasts "
                   f"{max(window, 0) / fps:.2f} s; it runs {overrun / fps:.2f} s past the cue's end")  # fmt: skip
        placed.append(Placed(number=cue.number, start=start, frames=frames, speed=natural / frames, late=late,
                             overrun=overrun))  # fmt: skip
        cursor = start + frames
    end = max(cursor, round(cues[-1].end * fps))
    if end > cursor:
        parts.append(np.repeat(parts[-1][-1:], end - cursor, axis=0))
    return np.concatenate(parts).astype(np.float32), placed


def timed_sequence(sequences, cues: list, name: str, report: Callable[[str], None] | None = None):
    """One sequence of a whole programme from one sequence per cue (see :func:`align`).

    Args:
        sequences: :class:`signkit.pose.sequence.Sequence` objects, one per cue, of one layout
            and frame rate.
        cues: the cues, in time order.
        name: the sequence's name (the subtitle file's stem).
        report: as :func:`align`.

    Returns:
        A Sequence at the clips' fps starting at 0 s, pose (frames, 1, joints, dims) in the
        clips' layout and units, its ``text`` the cues' texts joined by `` | ``.

    Raises:
        SignkitError: no sequence, clips at different frame rates, or as :func:`align` (a
            sequence count that differs from the cues', clips of different joint shapes).
    """
    from signkit.pose.sequence import Sequence, make_pose, person0

    sequences = list(sequences)
    if not sequences:
        raise SignkitError("no signing to lay on the cues")
    rates = {round(sequence.fps, 6) for sequence in sequences}
    if len(rates) > 1:
        raise SignkitError(f"the cues' signing comes at different frame rates: {sorted(rates)}")
    fps = sequences[0].fps
    points, _ = align([person0(sequence.pose)[0] for sequence in sequences], cues, fps, report=report)
    return Sequence(name=name, pose=make_pose(sequences[0].pose.header, points, None, fps),
                    text=" | ".join(cue.text for cue in cues), start=0.0)  # fmt: skip
