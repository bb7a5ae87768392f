"""The one data model: a named :class:`pose_format.Pose` with the text it signs.

Files of many sequences (``.skels``, ``.h5``) hold one :class:`Sequence` each; a ``.pose`` file
holds one. The pose itself is always a ``pose_format.Pose``: ``pose.body.data`` is a masked array
of shape (frames, people, points, dims), ``pose.body.confidence`` has shape (frames, people,
points), ``pose.body.fps`` is frames per second. signkit works on person 0.

A point is missing, for every command, when any of its values is not finite (NaN), when it is
masked, or when its confidence is 0. Every reader marks missing points the one way a ``Pose``
built here holds them (:func:`mark_missing`): confidence 0, values 0 and masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pose_format import Pose
from pose_format.numpy import NumPyPoseBody
from pose_format.pose_header import PoseHeader

from signkit.pose.layouts import layout_of


@dataclass
class Sequence:
    """One signing sequence.

    Attributes:
        name: identifier (a ``.files`` line, an HDF5 group path, a file stem).
        pose: the poses, a ``pose_format.Pose``.
        text: the spoken-language sentence it signs, when known.
        gloss: the gloss sequence it signs (space-separated glosses), when known.
        start: time of its first frame in seconds from the start of the programme (0 unless
            the sequence was cut from a longer one, e.g. a subtitle cue).
    """

    name: str
    pose: Pose
    text: str | None = None
    gloss: str | None = None
    start: float = 0.0

    @property
    def layout(self) -> str:
        """The layout name of the pose header (see :func:`signkit.pose.layouts.layout_of`)."""
        return layout_of(self.pose.header)

    @property
    def frames(self) -> int:
        """Number of frames."""
        return int(self.pose.body.data.shape[0])

    @property
    def fps(self) -> float:
        """Frames per second."""
        return float(self.pose.body.fps)


def make_pose(header: PoseHeader, data: np.ndarray, confidence: np.ndarray | None, fps: float) -> Pose:
    """Build a single-person Pose from plain arrays.

    Args:
        header: the layout header; ``data`` must have ``header.total_points()`` points.
        data: float array (frames, points, dims). NaN values count as missing.
        confidence: (frames, points) in [0, 1], or None for 1 wherever data is finite.
        fps: frames per second.

    Points with a non-finite value or confidence 0 are missing: values 0, confidence 0, masked.

    Returns:
        A ``pose_format.Pose`` with one person: ``body.data`` a float32 masked array (frames, 1,
        points, dims), ``body.confidence`` float32 (frames, 1, points).
    """
    data = np.asarray(data, dtype=np.float32)
    if confidence is None:
        confidence = np.ones(data.shape[:2], dtype=np.float32)
    return Pose(header, _marked_body(data[:, None], np.asarray(confidence, dtype=np.float32)[:, None], fps))


def mark_missing(pose: Pose) -> Pose:
    """The pose with its missing points marked the one way (see the module): a point with a
    non-finite value, a masked value or confidence 0 gets confidence 0, values 0, and is masked.

    Args:
        pose: any ``pose_format.Pose`` (frames, people, points, dims); a file written by another
            tool may hold NaN with confidence 1, or masked points with confidence above 0.

    Returns:
        A new Pose of the same header and shapes, float32.
    """
    data = np.ma.getdata(pose.body.data).astype(np.float32)
    masked = np.ma.getmaskarray(pose.body.data).any(axis=-1)
    confidence = np.where(masked, 0.0, np.asarray(pose.body.confidence, dtype=np.float32))
    return Pose(pose.header, _marked_body(data, confidence, pose.body.fps))


def _marked_body(data: np.ndarray, confidence: np.ndarray, fps: float) -> NumPyPoseBody:
    """A body from (frames, people, points, dims) values and (frames, people, points)
    confidence, missing points (non-finite or confidence 0) marked."""
    missing = ~np.isfinite(data).all(axis=-1) | (confidence == 0)
    confidence = np.where(missing, 0.0, confidence).astype(np.float32)
    data = np.where(missing[..., None], 0.0, data).astype(np.float32)
    mask = np.repeat(missing[..., None], data.shape[-1], axis=-1)
    return NumPyPoseBody(fps=float(fps), data=np.ma.masked_array(data, mask=mask), confidence=confidence)


def person0(pose: Pose) -> tuple[np.ndarray, np.ndarray]:
    """The first person's points as plain arrays.

    Returns:
        ``(data, confidence)``: float32 (frames, points, dims) with missing points set to NaN,
        and float32 (frames, points) with 0 for missing points.
    """
    data = np.ma.filled(pose.body.data[:, 0].astype(np.float32), np.nan)
    confidence = np.asarray(pose.body.confidence[:, 0], dtype=np.float32)
    data[confidence == 0] = np.nan
    return data, np.where(np.isnan(data).any(axis=-1), 0.0, confidence).astype(np.float32)


def frames_of(sequence: Sequence) -> np.ndarray:
    """The first person's points as model input: (frames, points * dims) float32, missing values 0.

    For PT-50 that is (frames, 150) in normalised units, the layout of a ``.skels`` frame without
    its counter (Progressive Transformers, Saunders et al., 2020).
    """
    points = person0(sequence.pose)[0]
    return np.nan_to_num(points.reshape(len(points), -1)).astype(np.float32)
