"""Pose distances that tell signs apart: named combinations of the choices around a DTW.

A distance between two recordings is worth reporting only if it puts two recordings of one sign
nearer each other than recordings of different signs. Jiang, Leong, Moryossef et al. (2025,
"Meaningful Pose-Based Sign Language Evaluation", arXiv:2510.07453; the sign-language-processing
group's pose-evaluation project) found that the choices around the distance matter as much as the
distance: which points are kept (hands alone ranked best), how each sequence is normalised, how
missing points are filled (never as zeros, which puts a lost hand at the neck), whether rest
frames at the ends are trimmed, and which DTW is used. Each :class:`PoseDistance` here is one such
combination, named, with a signature that lists every setting; ``benchmarks/discriminate.py``
measures them on real signing (mean average precision of the same lemma among DGS Corpus gloss
segments, the rank of a cross-signer ASL sign among a lexicon's) and picks :data:`DEFAULT`.

Every distance works on PT-50 points (:func:`signkit.pose.convert.to_pt50`: holistic,
openpose-137 and PT-50 input; the face is dropped), in shoulder widths (PT-50's normalised units
times 3: the neck at the origin and the shoulders one unit apart in every frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signkit import __version__
from signkit.errors import SignkitError
from signkit.pose.layouts import HAND_SIZE_POINT, PT50_LEFT_HAND, PT50_RIGHT_HAND
from signkit.pose.motion import REST_SPEED, active_frames
from signkit.pose.sequence import Sequence, person0

BODY = list(range(8))  # PT-50's upper body: OpenPose BODY_25 joints 0-7
HANDS = list(range(PT50_LEFT_HAND.start, PT50_RIGHT_HAND.stop))  # 21 + 21 hand points
SHOULDER_WIDTHS = 3.0  # PT-50 units to shoulder widths (its shoulder width is 1/3)
# A point seen in one frame of a pair and not in the other costs this many shoulder widths: a hand
# in view against one out of view is a difference, not a zero.
MISMATCH = 1.0
# A hand's size (wrist to middle-finger base) after ``hands="shape"``, in shoulder widths: about
# an adult's (0.1 m against 0.35 m shoulders)
HAND_SIZE = 0.3


@dataclass(frozen=True)
class PoseDistance:
    """One distance between two pose sequences, as the combination of its settings.

    Attributes:
        name: the name ``signkit score`` knows it by.
        points: ``hands`` (the 42 hand points) or ``upper`` (the 8 upper-body points and the hands).
        hands: ``body`` (hand points where they are), ``wrist`` (hand points relative to their
            wrist, the wrist itself kept where it is: hand shape apart from where the hand is) or
            ``shape`` (as ``wrist``, and each hand scaled so that its median size, wrist to
            middle-finger base, is :data:`HAND_SIZE`: one signer's hand against another's).
        missing: ``mask`` (a point missing in both frames of a pair is left out of their cost,
            one missing in one of them costs :data:`MISMATCH`) or ``interpolate`` (gaps filled
            linearly in time, a point never seen then masked).
        trim: trim leading and trailing rest frames (:func:`signkit.pose.motion.active_frames`).
        fps: resample both sequences to this frame rate first (linear), or None.
        dtw: ``mje`` (the mean frame cost along the optimal path, DTW-MJE's; step pattern
            symmetric1), ``ref`` (the optimal symmetric1 path cost divided by the reference's
            length, Progressive Transformers' normalisation; the reference is the first sequence),
            ``ndtw`` (the symmetric2 path cost divided by the two lengths' sum), or ``per-point``
            (pose-evaluation's: an ``ndtw`` per point trajectory, averaged over the points).
    """

    name: str
    points: str = "hands"
    hands: str = "body"
    missing: str = "mask"
    trim: bool = True
    fps: float | None = None
    dtw: str = "mje"

    @property
    def signature(self) -> str:
        """Every setting, as ``signkit score`` reports it (sacrebleu's style)."""
        from importlib.metadata import version

        return (f"signkit:{__version__}|distance:{self.name}|layout:pt50|points:{self.points}|"
                f"norm:neck,shoulder-width|hands:{self.hands}|missing:{self.missing},mismatch:{MISMATCH:g}|"
                f"trim:{f'hand-speed<{REST_SPEED:g}' if self.trim else 'no'}|fps:{self.fps or 'as-is'}|"
                f"dtw:{self.dtw}|frame-cost:mean-point-l2|dtw-python:{version('dtw-python')}")  # fmt: skip

    def prepare(self, sequence: Sequence) -> np.ndarray:
        """The points a sequence is compared by: (frames, points, 3) float64 in shoulder widths,
        NaN for missing points.

        Raises:
            SignkitError: the layout has no PT-50 mapping, or no frame shows both shoulders
                (naming the sequence).
        """
        from signkit.pose.convert import to_pt50

        pose = to_pt50(sequence.pose, sequence.name)
        points = person0(pose)[0].astype(np.float64)[..., :3] * SHOULDER_WIDTHS
        fps = float(pose.body.fps)
        if self.trim:
            first, last = active_frames(points, fps)
            points = points[first:last]
        if self.fps is not None and fps != self.fps:
            points = _resample(points, fps, self.fps)
        if self.missing == "interpolate":
            points = _interpolated(points)
        if self.hands != "body":
            for hand in (PT50_LEFT_HAND, PT50_RIGHT_HAND):
                shape = points[:, hand]  # a view: OpenPose hand point 0 is the wrist
                shape[:, 1:] -= shape[:, :1]
                size = np.linalg.norm(shape[:, HAND_SIZE_POINT], axis=-1)
                if self.hands == "shape" and np.isfinite(size).any() and np.nanmedian(size) > 0:
                    shape[:, 1:] *= HAND_SIZE / np.nanmedian(size)
        return points[:, HANDS if self.points == "hands" else BODY + HANDS]

    def between(self, a: np.ndarray, b: np.ndarray) -> float:
        """The distance between two prepared sequences (:meth:`prepare`), in shoulder widths."""
        from dtw import dtw, symmetric1, symmetric2

        cost = point_costs(a, b)  # (A, B, points)
        if self.dtw == "per-point":
            cost = np.nan_to_num(cost)  # a point seen in neither frame: no evidence, no cost
            return float(np.mean([dtw(cost[..., k], step_pattern=symmetric2, distance_only=True).normalizedDistance
                                  for k in range(cost.shape[-1])]))  # fmt: skip
        frame = _mean_cost(cost)
        if self.dtw == "ndtw":
            return float(dtw(frame, step_pattern=symmetric2, distance_only=True).normalizedDistance)
        if self.dtw == "ref":
            return float(dtw(frame, step_pattern=symmetric1, distance_only=True).distance / len(a))
        path = dtw(frame, step_pattern=symmetric1)
        return float(frame[path.index1, path.index2].mean())

    def __call__(self, a: Sequence, b: Sequence) -> float:
        """The distance between two sequences (any layout with a PT-50 mapping)."""
        return self.between(self.prepare(a), self.prepare(b))


def point_costs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per point, the distance of every frame of ``a`` to every frame of ``b``.

    Args:
        a, b: (A, points, 3) and (B, points, 3), NaN for missing points.

    Returns:
        (A, B, points) float64: the Euclidean distance where the point is seen in both frames,
        :data:`MISMATCH` where it is seen in one, NaN where in neither.
    """
    distance = np.linalg.norm(a[:, None] - b[None], axis=-1)
    seen_a, seen_b = np.isfinite(a).all(-1)[:, None], np.isfinite(b).all(-1)[None]
    return np.where(seen_a & seen_b, distance, np.where(seen_a | seen_b, MISMATCH, np.nan))


def _mean_cost(cost: np.ndarray) -> np.ndarray:
    """(A, B) frame costs: the mean over the points seen in either frame (0 when none is)."""
    counted = np.isfinite(cost)
    total = np.where(counted, cost, 0.0).sum(-1)
    return total / np.maximum(counted.sum(-1), 1)


def _resample(points: np.ndarray, fps: float, target: float) -> np.ndarray:
    """Linear resampling in time to ``target`` fps, a point missing on either side stays missing."""
    frames = max(1, int(round(len(points) * target / fps)))
    times = np.linspace(0, len(points) - 1, frames)
    low = np.floor(times).astype(int)
    high = np.minimum(low + 1, len(points) - 1)
    weight = (times - low)[:, None, None]
    return points[low] * (1 - weight) + points[high] * weight


def _interpolated(points: np.ndarray) -> np.ndarray:
    """Gaps of each point filled linearly in time (ends held); a point never seen stays NaN."""
    out = points.copy()
    frames = np.arange(len(points))
    for k in range(points.shape[1]):
        seen = np.isfinite(points[:, k]).all(-1)
        if seen.any() and not seen.all():
            for axis in range(3):
                out[~seen, k, axis] = np.interp(frames[~seen], frames[seen], points[seen, k, axis])
    return out


DISTANCES = {distance.name: distance for distance in (
    PoseDistance("hands-mje"),
    PoseDistance("hands-per-point", dtw="per-point"),
    PoseDistance("upper-mje", points="upper"),
    PoseDistance("upper-wrist-mje", points="upper", hands="wrist"),
    PoseDistance("upper-shape-mje", points="upper", hands="shape"),
    PoseDistance("upper-shape-ndtw", points="upper", hands="shape", dtw="ndtw"),
    PoseDistance("upper-shape-ref", points="upper", hands="shape", dtw="ref"),
    PoseDistance("upper-wrist-ref", points="upper", hands="wrist", dtw="ref"),
    PoseDistance("upper-shape-ndtw-untrimmed", points="upper", hands="shape", dtw="ndtw", trim=False),
    PoseDistance("upper-shape-ndtw-interpolated", points="upper", hands="shape", dtw="ndtw", missing="interpolate"),
    PoseDistance("upper-shape-ndtw-25fps", points="upper", hands="shape", dtw="ndtw", fps=25.0),
)}  # fmt: skip
# Chosen by benchmarks/discriminate.py and t2p retrieval (figures in `signkit score --help`): it
# ranks asl_house.mp4's HOUSE first among the lexicon's 102 signs, gives t2p's signing of the DGS
# lexicon's glosses the best top-1 of all (0.84), and is symmetric (the -ref distances' DGS figures
# depend on which recording is the reference)
DEFAULT = "upper-shape-ndtw"


def distance_named(name: str) -> PoseDistance:
    """The distance of that name (:data:`DISTANCES`).

    Raises:
        SignkitError: no distance has that name (the known names listed).
    """
    if name not in DISTANCES:
        raise SignkitError(f"{name!r}: no such distance; known: {', '.join(DISTANCES)}")
    return DISTANCES[name]
