"""Repairing and normalising keypoint sequences into training data (``signkit clean``).

The preprocessing SignDiff describes for How2Sign, as one pass per sequence:

1. a point is missing when its value is NaN, all its coordinates are exactly 0 (OpenPose's
   "not detected") or its confidence is below a threshold;
2. a sequence whose share of missing points (over body and hands, in PT-50) exceeds a bound is
   dropped and reported;
3. a missing point is filled by linear interpolation in time across a gap of at most
   ``max_gap`` frames between two observations, otherwise (longer gaps, the sequence's ends)
   by that point's median over the sequence; a point never observed stays missing. Hand points
   are filled as offsets from their wrists, so a filled hand moves with its arm;
4. the sequence is normalised to PT-50's convention (:func:`signkit.pose.convert.normalised_points`)
   and written as PT-50, or as slrtp178 with the face (its face and hips repaired as in 3);
5. leading and trailing rest frames are trimmed (frames before the first and after the last in
   which a wrist is above its elbow, keeping ``margin`` frames), and every ``stride``-th frame
   is kept (the fps divided accordingly).

Repaired points carry the confidence threshold as their confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from signkit.errors import SignkitError
from signkit.pose.convert import normalised_points
from signkit.pose.layouts import (
    PT50,
    PT50_LEFT_HAND,
    PT50_LWRIST,
    PT50_NECK,
    PT50_RIGHT_HAND,
    PT50_RWRIST,
    SLRTP178,
    SLRTP178_FROM_FULL,
    pt50_header,
    slrtp178_header,
)
from signkit.pose.sequence import Sequence, make_pose, person0

PT50_ELBOWS = {PT50_RWRIST: 3, PT50_LWRIST: 6}


@dataclass
class CleanReport:
    """What :func:`clean` did.

    Attributes:
        sequences_in: sequences read.
        written: sequences yielded.
        dropped: (name, reason) of each dropped sequence.
        interpolated: points filled by interpolation in time, counted once per point and frame.
        median_filled: points filled by the sequence median, counted once per point and frame.
        frames_trimmed: rest frames removed at the ends (frames before subsampling).
        failed: the error of each sequence that could not be cleaned (e.g. no PT-50 mapping).
    """

    sequences_in: int = 0
    written: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)
    interpolated: int = 0
    median_filled: int = 0
    frames_trimmed: int = 0
    failed: list[str] = field(default_factory=list)


def repair(data: np.ndarray, confidence: np.ndarray, threshold: float = 0.2,
           max_gap: int = 10) -> tuple[np.ndarray, np.ndarray, int, int]:  # fmt: skip
    """Fill missing points of one sequence.

    Args:
        data: (frames, points, dims) float, any unit; NaN or low-confidence points are missing.
        confidence: (frames, points) in [0, 1].
        threshold: points with confidence below it are missing.
        max_gap: longest run of missing frames (frames) filled by interpolation.

    Returns:
        ``(data, confidence, interpolated, median_filled)``: repaired float32 copies, (frames,
        points, dims) and (frames, points), filled points with confidence ``threshold`` (points
        never observed stay NaN with confidence 0), and the counts of points filled each way
        (point-frames).
    """
    data = np.array(data, dtype=np.float32)
    confidence = np.array(confidence, dtype=np.float32)
    missing = ~np.isfinite(data).all(-1) | (confidence < threshold)
    data[missing] = np.nan
    confidence[missing] = 0.0
    time = np.arange(len(data))
    interpolated = median_filled = 0
    for point in np.flatnonzero(missing.any(axis=0) & ~missing.all(axis=0)):
        gaps = missing[:, point]
        known = np.flatnonzero(~gaps)
        # For each missing frame: the length of the gap it lies in, if bounded on both sides.
        previous = np.maximum.accumulate(np.where(~gaps, time, -1))
        following = np.minimum.accumulate(np.where(~gaps, time, len(time))[::-1])[::-1]
        bounded = gaps & (previous >= 0) & (following < len(time)) & (following - previous - 1 <= max_gap)
        for dim in range(data.shape[-1]):
            values = data[:, point, dim]
            data[bounded, point, dim] = np.interp(time[bounded], known, values[known])
            data[gaps & ~bounded, point, dim] = np.median(values[known])
        confidence[gaps, point] = threshold
        interpolated += int(bounded.sum())
        median_filled += int((gaps & ~bounded).sum())
    return data, confidence, interpolated, median_filled


def repair_pt50(data: np.ndarray, confidence: np.ndarray, threshold: float = 0.2,
                max_gap: int = 10) -> tuple[np.ndarray, np.ndarray, int, int]:  # fmt: skip
    """:func:`repair` for PT-50, with hands repaired relative to their wrists.

    The body (joints 0-7) is repaired first; each hand's points are then repaired as offsets
    from the body wrist they hang from (joint 7 for points 8-28, joint 4 for 29-49), so a hand
    filled by its median shape stays at the wrist when the arm moves.

    Args and returns as :func:`repair`, with ``data`` of shape (frames, 50, 3) (PT-50 of
    Progressive Transformers, Saunders et al., 2020, in any unit) and ``confidence`` (frames, 50).
    """
    body, body_confidence, interpolated, median_filled = repair(data[:, :PT50_LEFT_HAND.start],
                                                                confidence[:, :PT50_LEFT_HAND.start], threshold, max_gap)  # fmt: skip
    data, confidence = np.array(data, dtype=np.float32), np.array(confidence, dtype=np.float32)
    data[:, : PT50_LEFT_HAND.start], confidence[:, : PT50_LEFT_HAND.start] = body, body_confidence
    for hand, wrist in ((PT50_LEFT_HAND, PT50_LWRIST), (PT50_RIGHT_HAND, PT50_RWRIST)):
        offsets, confidence[:, hand], hand_interpolated, hand_median = repair(
            data[:, hand] - data[:, wrist, None], confidence[:, hand], threshold, max_gap)
        data[:, hand] = offsets + data[:, wrist, None]
        interpolated += hand_interpolated
        median_filled += hand_median
    return data, confidence, interpolated, median_filled


def active_span(points: np.ndarray, margin: int = 2) -> tuple[int, int]:
    """[first, last) frames of signing in PT-50 points: a wrist above its elbow.

    Args:
        points: (frames, 50, 3) PT-50 points, y downwards (any unit).
        margin: frames kept before the first and after the last active frame.

    Returns:
        ``(first, last)`` frame indices, a half-open range; ``(0, frames)`` when no frame is active.
    """
    active = np.zeros(len(points), dtype=bool)
    for wrist, elbow in PT50_ELBOWS.items():
        active |= points[:, wrist, 1] < points[:, elbow, 1]
    frames = np.flatnonzero(active)
    if frames.size == 0:
        return 0, len(points)
    return max(0, int(frames[0]) - margin), min(len(points), int(frames[-1]) + 1 + margin)


def clean(sequences: Iterable[Sequence], report: CleanReport | None = None, *, threshold: float = 0.2, max_gap: int = 10,
          max_missing: float = 0.5, stride: int = 1, trim: bool = True,
          texts: dict[str, tuple[str | None, str | None]] | None = None, layout: str = PT50) -> Iterator[Sequence]:  # fmt: skip
    """Repair, normalise to PT-50, trim and subsample sequences (see the module docstring).

    Follows the How2Sign preprocessing described by SignDiff (Fang et al.); the output is PT-50 (or
    slrtp178) in the convention of Progressive Transformers (Saunders et al., 2020): normalised
    units, neck at the origin, shoulder width 1/3.

    Args:
        sequences: sequences of a layout with a PT-50 mapping (pt50, holistic, openpose-137,
            slrtp178).
        report: filled in as sequences pass (None: none kept).
        threshold: confidence (0-1) below which a point is missing.
        max_gap: longest gap (frames) filled by interpolation.
        max_missing: a sequence with a larger share of missing PT-50 points is dropped.
        stride: keep every ``stride``-th frame (>= 1).
        trim: trim leading and trailing rest frames.
        texts: sequence name (or its last ``/`` part) to (text, gloss), joined onto the sequences
            (see :func:`signkit.text.annotations.read_texts`); a sequence without an entry keeps its own.
        layout: ``pt50`` or ``slrtp178`` (with the face; points the source lacks stay missing).

    Yields:
        Sequences with the same names, poses (frames', 1, 50, 3) PT-50 or (frames', 1, 178, 3)
        slrtp178, float32 at ``fps / stride``; the share of missing points counts PT-50's. A
        sequence that cannot be converted is recorded in ``report.failed`` and skipped; one with
        too many missing points in ``report.dropped``.

    Raises:
        SignkitError: only as raised by the ``sequences`` iterator itself (e.g. bad data in the
            file being read); a sequence's own conversion error is recorded, not raised.
    """
    report = CleanReport() if report is None else report
    for sequence in sequences:
        report.sequences_in += 1
        source, source_confidence = person0(sequence.pose)
        zero = (source == 0).all(-1)
        if sequence.layout == PT50:
            zero[:, PT50_NECK] = False  # the PT-50 neck is the origin
        source_confidence[zero] = 0.0
        try:
            data, confidence = normalised_points(make_pose(sequence.pose.header, source, source_confidence, sequence.fps),
                                                 sequence.name)  # fmt: skip
            data = data if layout == SLRTP178 else data[:, :50]
        except SignkitError as error:  # one bad sequence must not stop the batch
            report.failed.append(str(error))
            continue
        confidence = confidence[:, : data.shape[1]]
        share = float((confidence[:, :50] < threshold).mean())
        if share > max_missing:
            report.dropped.append((sequence.name, f"{share:.0%} of points missing (more than {max_missing:.0%})"))
            continue
        data[:, :50], confidence[:, :50], interpolated, median_filled = repair_pt50(data[:, :50], confidence[:, :50],
                                                                                    threshold, max_gap)  # fmt: skip
        if layout == SLRTP178:  # the face and the hips
            data[:, 50:], confidence[:, 50:], more_interpolated, more_median = repair(data[:, 50:], confidence[:, 50:],
                                                                                      threshold, max_gap)  # fmt: skip
            interpolated, median_filled = interpolated + more_interpolated, median_filled + more_median
        report.interpolated += interpolated
        report.median_filled += median_filled
        first, last = active_span(data) if trim else (0, len(data))
        report.frames_trimmed += len(data) - (last - first)
        data, confidence = data[first:last:stride], confidence[first:last:stride]
        texts = texts or {}
        base = sequence.name.rsplit("/", 1)[-1]  # PHOENIX14T's .files carry a split folder: dev/NAME
        text, gloss = texts.get(sequence.name) or texts.get(base) or (sequence.text, sequence.gloss)
        report.written += 1
        header = pt50_header()
        if layout == SLRTP178:
            header, data, confidence = slrtp178_header(), data[:, SLRTP178_FROM_FULL], confidence[:, SLRTP178_FROM_FULL]
        yield replace(sequence, pose=make_pose(header, data, confidence, sequence.fps / stride), text=text, gloss=gloss)
