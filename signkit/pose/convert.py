"""Conversions between layouts, each mapping written down once.

The target of training and of t2p is PT-50 (see :mod:`signkit.pose.layouts` for its joints and
coordinate convention, taken from the PHOENIX14T data released with Progressive Transformers).

Mapping to PT-50:

=============  =============================================  ======================================
PT-50          holistic (MediaPipe)                           openpose-137 (BODY_25 + hands)
=============  =============================================  ======================================
0 Nose         POSE NOSE (0)                                  pose 0 Nose
1 Neck         midpoint of POSE LEFT/RIGHT_SHOULDER (11, 12)  pose 1 Neck
2-4 R arm      POSE RIGHT_SHOULDER/ELBOW/WRIST (12, 14, 16)   pose 2-4
5-7 L arm      POSE LEFT_SHOULDER/ELBOW/WRIST (11, 13, 15)    pose 5-7
8-28           LEFT_HAND_LANDMARKS 0-20                       hand_left_keypoints_2d 0-20
29-49          RIGHT_HAND_LANDMARKS 0-20                      hand_right_keypoints_2d 0-20
=============  =============================================  ======================================

MediaPipe's and OpenPose's hand orders are the same (wrist, then thumb, index, middle, ring and
little finger from base to tip), and both name hands anatomically (the signer's left and right).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
from pose_format import Pose

from signkit.errors import SignkitError
from signkit.pose.layouts import (
    HOLISTIC,
    MEDIAPIPE_HAND_POINTS,
    OPENPOSE_137,
    PT50,
    PT50_LSHOULDER,
    PT50_NECK,
    PT50_RSHOULDER,
    component_slice,
    layout_of,
    pt50_header,
)
from signkit.pose.sequence import Sequence, make_pose, person0

PT50_SHOULDER_WIDTH = 1 / 3
# MediaPipe writes depth in the units of x over the frame width; a component whose |z| stays
# under this bound is taken as such and scaled by the frame width into pixels.
_NORMALISED_DEPTH_BOUND = 2.0


def to_pt50(pose: Pose, name: str = "pose") -> Pose:
    """Convert a pose of a known layout to PT-50 (3D, normalised units).

    PT-50 is the upper-body layout of Progressive Transformers (Saunders et al., 2020); see the
    module docstring for the mapping of each layout.

    Args:
        pose: a holistic, openpose-137 or PT-50 pose (person 0 is used).
        name: the sequence name for error messages.

    Returns:
        A PT-50 Pose, shape (frames, 1, 50, 3), same fps; missing points stay masked. A PT-50
        pose is returned as it is (not copied).

    Raises:
        SignkitError: the layout has no mapping to PT-50, or no frame shows both shoulders (the
            message starts with ``name``).
    """
    if layout_of(pose.header) == PT50:
        return pose
    points, confidence = pt50_image_points(pose, name)
    try:
        normalised = normalise_pt50(points)
    except SignkitError as error:
        raise SignkitError(f"{name}: {error}") from None
    return make_pose(pt50_header(), normalised, confidence, pose.body.fps)


def pt50_image_points(pose: Pose, name: str = "pose") -> tuple[np.ndarray, np.ndarray]:
    """The PT-50 points of a pose in image space, before normalisation.

    Args:
        pose: a holistic, openpose-137 or PT-50 pose (person 0 is used).
        name: the sequence name for error messages.

    Returns:
        ``(points, confidence)``: float64 (frames, 50, 3) with x to the image's right, y down and
        z away from the camera, NaN for missing points; float32 (frames, 50). Holistic: pixels,
        MediaPipe's depth scaled to pixels (hand depth re-anchored at the body's wrists);
        openpose-137: pixels with z = 0; PT-50: its normalised units with x and z negated back
        (the inverse of :func:`normalise_pt50`'s rotation).

    Raises:
        SignkitError: the layout has no mapping to PT-50.
    """
    layout = layout_of(pose.header)
    data, confidence = person0(pose)
    if layout == HOLISTIC:
        return _holistic_points(pose, data, confidence)
    if layout == OPENPOSE_137:
        return _openpose_points(data, confidence)
    if layout == PT50:
        points = np.zeros(data.shape[:2] + (3,))
        points[..., : min(3, data.shape[-1])] = data[..., :3]
        points[..., 0] *= -1
        points[..., 2] *= -1
        return points, confidence
    raise SignkitError(f"{name}: no conversion from layout {layout} to {PT50}")


def normalise_pt50(points: np.ndarray) -> np.ndarray:
    """Bring PT-50 points from image space to the PT-50 convention.

    Args:
        points: (frames, 50, 3) in image space: x to the image's right, y down, z away from the
            camera (any unit); NaN for missing points.

    Returns:
        (frames, 50, 3) float32: per frame, the neck at the origin and the 2D shoulder width 1/3;
        x negated (so it points to the signer's right) and z negated (towards the signer's front),
        a rotation by 180 degrees about the vertical axis. Frames without both shoulders use the
        median shoulder width of the sequence; frames without a neck stay NaN.

    Raises:
        SignkitError: no frame of the sequence shows both shoulders.
    """
    points = np.asarray(points, dtype=np.float64)
    width = np.linalg.norm(points[:, PT50_RSHOULDER, :2] - points[:, PT50_LSHOULDER, :2], axis=-1)
    valid = np.isfinite(width) & (width > 0)
    if not valid.any():
        raise SignkitError("no frame shows both shoulders; cannot normalise to PT-50")
    width = np.where(valid, width, np.median(width[valid]))
    out = (points - points[:, PT50_NECK : PT50_NECK + 1]) * (PT50_SHOULDER_WIDTH / width)[:, None, None]
    out[..., 0] *= -1
    out[..., 2] *= -1
    return out.astype(np.float32)


def _holistic_points(pose: Pose, data: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    header = pose.header
    width = header.dimensions.width or 1
    frames = len(data)

    def points(component: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(frames, len(names), 3) points by name, NaN (confidence 0) where the file lacks one."""
        out = np.full((frames, len(names), 3), np.nan)
        conf = np.zeros((frames, len(names)), dtype=np.float32)
        offset = component_slice(header, component).start
        known = next(c for c in header.components if c.name == component).points
        for i, name in enumerate(names):
            if name in known:
                index = offset + known.index(name)
                out[:, i, : min(3, data.shape[-1])] = data[:, index, :3]
                conf[:, i] = confidence[:, index]
        if data.shape[-1] < 3:
            out[..., 2] = 0.0
        depth = out[..., 2]
        if np.nanmax(np.abs(depth), initial=0.0) < _NORMALISED_DEPTH_BOUND:
            out[..., 2] = depth * width
        return out, conf

    body_names = ["NOSE", "LEFT_SHOULDER", "RIGHT_SHOULDER", "RIGHT_ELBOW", "RIGHT_WRIST", "LEFT_ELBOW", "LEFT_WRIST"]
    body, body_conf = points("POSE_LANDMARKS", body_names)
    left, left_conf = points("LEFT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS)
    right, right_conf = points("RIGHT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS)
    # Hand depth is relative to the hand's own wrist: re-anchor it at the body's wrist depth.
    left[..., 2] += (body[:, 6, 2] - left[:, 0, 2])[:, None]
    right[..., 2] += (body[:, 4, 2] - right[:, 0, 2])[:, None]
    neck = (body[:, 1] + body[:, 2]) / 2
    order = [0, 2, 3, 4, 1, 5, 6]  # nose, right arm from the shoulder, left arm from the shoulder
    points_50 = np.concatenate([body[:, order[:1]], neck[:, None], body[:, order[1:]], left, right], axis=1)
    neck_conf = np.minimum(body_conf[:, 1], body_conf[:, 2])
    conf_50 = np.concatenate([body_conf[:, order[:1]], neck_conf[:, None], body_conf[:, order[1:]], left_conf,
                              right_conf], axis=1)  # fmt: skip
    return points_50, conf_50


def _openpose_points(data: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # openpose-137 point order: body 0-24, face 25-94, left hand 95-115, right hand 116-136.
    index = np.r_[0:8, 95:116, 116:137]
    points = data[:, index].astype(np.float64)
    points = np.concatenate([points[..., :2], np.zeros(points.shape[:-1] + (1,))], axis=-1)
    return points, confidence[:, index]


def convert(sequences: Iterable[Sequence], layout: str | None = None) -> Iterator[Sequence]:
    """Convert sequences to another layout (``pt50``), keeping names, texts and timing.

    Args:
        sequences: the sequences.
        layout: the target layout, or None to keep each sequence's own.

    Yields:
        Each :class:`Sequence` in turn, its pose converted with :func:`to_pt50` when ``layout`` is
        ``pt50`` (frames, 1, 50, 3), else unchanged.

    Raises:
        SignkitError: a target layout without a conversion (raised on the first ``next``), or a
            sequence without a mapping to PT-50 or with no frame showing both shoulders.
    """
    if layout not in (None, PT50):
        raise SignkitError(f"conversion to layout {layout} is not supported; the target layout is {PT50}")
    for sequence in sequences:
        if layout == PT50:
            sequence = replace(sequence, pose=to_pt50(sequence.pose, sequence.name))
        yield sequence
