"""Conversions between layouts, each mapping written down once.

signkit works on points in one "full" order (:mod:`signkit.pose.layouts`): PT-50's 50 (the target
of training and of t2p; joints and coordinate convention of the PHOENIX14T data released with
Progressive Transformers), the 128 face points of slrtp178, then the right and left hip. Every
layout maps into it (:func:`image_points`), PT-50 and slrtp178 are taken out of it
(:func:`to_pt50`, :func:`to_slrtp178`), both in PT-50's normalised convention
(:func:`normalise_pt50`).

=============  =============================================  ======================================
full order     holistic and slrtp178 (MediaPipe names)        openpose-137 (BODY_25 + face + hands)
=============  =============================================  ======================================
0 Nose         POSE NOSE (0); slrtp178: estimated from the    pose 0 Nose
               face (:func:`signkit.pose.face.estimate_nose`)
1 Neck         midpoint of POSE LEFT/RIGHT_SHOULDER           pose 1 Neck
2-4 R arm      POSE RIGHT_SHOULDER/ELBOW/WRIST                pose 2-4
5-7 L arm      POSE LEFT_SHOULDER/ELBOW/WRIST                 pose 5-7
8-28           LEFT_HAND_LANDMARKS 0-20                       hand_left_keypoints_2d 0-20
29-49          RIGHT_HAND_LANDMARKS 0-20                      hand_right_keypoints_2d 0-20
50-177 face    FACE_LANDMARKS by mesh index (FACE_POINTS)     face 0-69 resampled along MediaPipe's
                                                              contours (``_OPENPOSE_FACE_CHAINS``)
178, 179 hips  POSE RIGHT_HIP, LEFT_HIP                       pose 9 RHip, 12 LHip
=============  =============================================  ======================================

MediaPipe's and OpenPose's hand orders are the same (wrist, then thumb, index, middle, ring and
little finger from base to tip), and both name hands anatomically (the signer's left and right).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
from pose_format import Pose
from pose_format.pose_header import PoseHeader

from signkit.errors import SignkitError
from signkit.pose.layouts import (
    FACE_CONTOURS,
    FACE_POINTS,
    FULL_FACE,
    FULL_HIPS,
    HOLISTIC,
    MEDIAPIPE_HAND_POINTS,
    OPENPOSE_137,
    PT50,
    SLRTP178,
    SLRTP178_FROM_FULL,
    is_normalised,
    PT50_LSHOULDER,
    PT50_NECK,
    PT50_RSHOULDER,
    component_slice,
    layout_of,
    pt50_header,
    slrtp178_header,
)
from signkit.pose.sequence import Sequence, make_pose, person0

PT50_SHOULDER_WIDTH = 1 / 3
# OpenPose's 70 face points along MediaPipe's contours (the full order's face): each OpenPose chain
# (face point indices 0-69) and the MediaPipe chain it is resampled onto, evenly by index, and
# whether both close on themselves. OpenPose has one line per brow (its upper edge here) and no
# forehead, so the oval's upper half and the brows' lower edges stay missing.
_OPENPOSE_FACE_CHAINS = (
    (list(range(0, 17)), (234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397,
                          288, 361, 323, 454), False),
    (list(range(17, 22)), FACE_CONTOURS["right brow"][0], False),
    (list(range(22, 27)), FACE_CONTOURS["left brow"][0], False),
    (list(range(36, 42)), FACE_CONTOURS["right eye"][0], True),
    (list(range(42, 48)), FACE_CONTOURS["left eye"][0], True),
    (list(range(48, 60)), FACE_CONTOURS["outer lips"][0], True),
    (list(range(60, 68)), FACE_CONTOURS["inner lips"][0], True),
)  # fmt: skip
# MediaPipe writes depth in the units of x over the frame width; a component whose |z| stays
# under this bound is taken as such and scaled by the frame width into pixels.
_NORMALISED_DEPTH_BOUND = 2.0


def to_pt50(pose: Pose, name: str = "pose") -> Pose:
    """Convert a pose of a known layout to PT-50 (3D, normalised units).

    PT-50 is the upper-body layout of Progressive Transformers (Saunders et al., 2020); see the
    module docstring for the mapping of each layout.

    Args:
        pose: a holistic, openpose-137, slrtp178 or PT-50 pose (person 0 is used).
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
    points, confidence = normalised_points(pose, name)
    return make_pose(pt50_header(), points[:, :50], confidence[:, :50], pose.body.fps)


def to_slrtp178(pose: Pose, name: str = "pose") -> Pose:
    """Convert a pose of a known layout to slrtp178 in PT-50's normalised convention.

    Args:
        pose: a holistic, openpose-137, slrtp178 or PT-50 pose (person 0 is used).
        name: the sequence name for error messages.

    Returns:
        A slrtp178 Pose (:func:`signkit.pose.layouts.slrtp178_header`), shape (frames, 1, 178, 3),
        same fps, normalised units (neck at the origin, shoulder width 1/3); points the source
        lacks (a PT-50 pose's face and hips, OpenPose's forehead) are missing. A normalised
        slrtp178 pose is returned as it is.

    Raises:
        SignkitError: as :func:`to_pt50`.
    """
    if layout_of(pose.header) == SLRTP178 and is_normalised(pose.header):
        return pose
    points, confidence = normalised_points(pose, name)
    return make_pose(slrtp178_header(), points[:, SLRTP178_FROM_FULL], confidence[:, SLRTP178_FROM_FULL],
                     pose.body.fps)  # fmt: skip


def signing_points(pose: Pose, name: str = "pose", face: bool = False) -> np.ndarray:
    """A pose's points for producing signing: PT-50, with the face when asked, normalised.

    Args:
        pose: a holistic, openpose-137, slrtp178 or PT-50 pose (person 0 is used).
        name: the sequence name for error messages.
        face: add the 128 face points (NaN where the source has none).

    Returns:
        (frames, 50, 3), or (frames, 178, 3) with the face (the full order without hips), float32
        in PT-50's normalised units, NaN where missing.

    Raises:
        SignkitError: as :func:`to_pt50`.
    """
    return normalised_points(pose, name)[0][:, : FULL_FACE.stop if face else 50]


def has_face(header: PoseHeader) -> bool:
    """Whether a layout carries a face: holistic, openpose-137 and slrtp178 do, PT-50 does not."""
    return layout_of(header) in (HOLISTIC, OPENPOSE_137, SLRTP178)


def production_pose(points: np.ndarray, fps: float, layout: str) -> Pose:
    """The pose of produced signing in its output layout.

    Args:
        points: (frames, 50, 3) PT-50, (frames, 178, 3) PT-50 and face points, or (frames, 180,
            3) with the hips too (signkit's full order), normalised units, NaN where missing.
        fps: frames per second.
        layout: ``pt50`` (the first 50 points) or ``slrtp178`` (needs the face; hips not given,
            which no producer predicts, stand at :data:`signkit.pose.motion.REST_HIPS` from the
            neck).

    Raises:
        SignkitError: ``slrtp178`` asked of points without a face, or another layout.
    """
    if layout == PT50:
        return make_pose(pt50_header(), points[:, :50], None, fps)
    if layout != SLRTP178:
        raise SignkitError(f"signing is produced in layout {PT50} or {SLRTP178}, not {layout}")
    if points.shape[1] < FULL_FACE.stop:
        raise SignkitError(f"{SLRTP178} needs a face; these poses have {PT50}'s 50 points only")
    from signkit.pose.motion import REST_HIPS

    full = np.empty((len(points), 180, 3), dtype=np.float32)
    full[:, : FULL_FACE.stop] = points[:, : FULL_FACE.stop]
    full[:, FULL_HIPS] = points[:, FULL_HIPS] if points.shape[1] > FULL_FACE.stop else points[:, 1:2] + REST_HIPS
    return make_pose(slrtp178_header(), full[:, SLRTP178_FROM_FULL], None, fps)


def pt50_image_points(pose: Pose, name: str = "pose") -> tuple[np.ndarray, np.ndarray]:
    """The PT-50 points of a pose in image space, before normalisation: the first 50 of
    :func:`image_points`.

    Returns:
        ``(points, confidence)``: float64 (frames, 50, 3), NaN for missing points; float32
        (frames, 50).

    Raises:
        SignkitError: the layout has no mapping to PT-50.
    """
    points, confidence = image_points(pose, name)
    return points[:, :50], confidence[:, :50]


def image_points(pose: Pose, name: str = "pose") -> tuple[np.ndarray, np.ndarray]:
    """A pose's points in signkit's full order, in image space, before normalisation.

    The full order (:mod:`signkit.pose.layouts`) is PT-50's 50 points, the 128 face points of
    slrtp178 (:data:`~signkit.pose.layouts.FACE_POINTS`), then the right and left hip; see the
    module docstring for where each comes from. A missing nose (slrtp178 has none; a tracker may
    lose it in a frame) is estimated from the face where it shows the eye and mouth corners
    (:func:`signkit.pose.face.estimate_nose`).

    Args:
        pose: a holistic, openpose-137, slrtp178 or PT-50 pose (person 0 is used).
        name: the sequence name for error messages.

    Returns:
        ``(points, confidence)``: float64 (frames, 180, 3) with x to the image's right, y down and
        z away from the camera, NaN for missing points; float32 (frames, 180). Holistic and
        slrtp178 in pixels: pixels, MediaPipe's depth scaled to pixels (hand depth re-anchored at
        the body's wrists); openpose-137: pixels with z = 0; PT-50 and normalised slrtp178: their
        normalised units with x and z negated back (the inverse of :func:`normalise_pt50`'s
        rotation); PT-50 has no face or hips (NaN).

    Raises:
        SignkitError: the layout has no mapping to PT-50.
    """
    from signkit.pose.face import estimate_nose

    layout = layout_of(pose.header)
    data, confidence = person0(pose)
    if layout == OPENPOSE_137:
        points, confidence = _openpose_points(data, confidence)
    elif layout == PT50 or (layout == SLRTP178 and is_normalised(pose.header)):
        points = np.full(data.shape[:1] + (180, 3), np.nan)
        full_confidence = np.zeros(points.shape[:2], dtype=np.float32)
        index = np.arange(50) if layout == PT50 else np.array(SLRTP178_FROM_FULL)
        points[:, index, : min(3, data.shape[-1])] = data[..., :3]
        if data.shape[-1] < 3:
            points[:, index, 2] = np.where(np.isfinite(data[..., 0]), 0.0, np.nan)
        full_confidence[:, index] = confidence
        points[..., 0] *= -1
        points[..., 2] *= -1
        if layout == SLRTP178:
            points[:, 1] = (points[:, 2] + points[:, 5]) / 2
            full_confidence[:, 1] = np.minimum(full_confidence[:, 2], full_confidence[:, 5])
        confidence = full_confidence
    elif layout in (HOLISTIC, SLRTP178):
        points, confidence = _holistic_points(pose, data, confidence)
    else:
        raise SignkitError(f"{name}: no conversion from layout {layout} to {PT50}")
    unseen = ~np.isfinite(points[:, 0]).all(axis=-1)
    if unseen.any():
        nose = estimate_nose(points[:, FULL_FACE])
        points[unseen, 0] = nose[unseen]
        confidence[unseen, 0] = np.where(np.isfinite(nose[unseen]).all(axis=-1), 1.0, 0.0)
    return points, confidence


def normalised_points(pose: Pose, name: str = "pose") -> tuple[np.ndarray, np.ndarray]:
    """A pose's points in signkit's full order, in PT-50's normalised convention.

    A pose already in the convention (PT-50, normalised slrtp178) keeps its values; any other is
    normalised (:func:`normalise_pt50`).

    Returns:
        ``(points, confidence)``: float32 (frames, 180, 3) in normalised units, NaN for missing
        points; float32 (frames, 180).

    Raises:
        SignkitError: as :func:`image_points` and :func:`normalise_pt50` (naming ``name``).
    """
    points, confidence = image_points(pose, name)
    if is_normalised(pose.header):
        return (points * np.array([-1.0, 1.0, -1.0])).astype(np.float32), confidence
    return normalise_pt50(points, name), confidence


def normalise_pt50(points: np.ndarray, name: str | None = None) -> np.ndarray:
    """Bring points from image space to the PT-50 convention.

    Args:
        points: (frames, points, 3) in signkit's full order (PT-50's 50 first; any number after)
            in image space: x to the image's right, y down, z away from the camera (any unit);
            NaN for missing points.
        name: the sequence name, to start error messages with.

    Returns:
        (frames, points, 3) float32: per frame, the neck at the origin and the 2D shoulder width 1/3;
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
        raise SignkitError(f"{name + ': ' if name else ''}no frame shows both shoulders; cannot normalise to PT-50")
    width = np.where(valid, width, np.median(width[valid]))
    out = (points - points[:, PT50_NECK : PT50_NECK + 1]) * (PT50_SHOULDER_WIDTH / width)[:, None, None]
    out[..., 0] *= -1
    out[..., 2] *= -1
    return out.astype(np.float32)


def _holistic_points(pose: Pose, data: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from signkit.pose.face import estimate_nose

    header = pose.header
    width = header.dimensions.width or 1
    frames = len(data)

    def points(component: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(frames, len(names), 3) points by name, NaN (confidence 0) where the file lacks one."""
        out = np.full((frames, len(names), 3), np.nan)
        conf = np.zeros((frames, len(names)), dtype=np.float32)
        offset = component_slice(header, component).start
        known = {point: i for i, point in enumerate(next(c for c in header.components if c.name == component).points)}
        found = [(i, offset + known[name]) for i, name in enumerate(names) if name in known]
        if found:
            mine, theirs = np.array(found).T
            out[:, mine, : min(3, data.shape[-1])] = data[:, theirs, :3]
            conf[:, mine] = confidence[:, theirs]
        if data.shape[-1] < 3:
            out[..., 2] = 0.0
        depth = out[..., 2]
        if np.nanmax(np.abs(depth), initial=0.0) < _NORMALISED_DEPTH_BOUND:
            out[..., 2] = depth * width
        return out, conf

    body_names = ["NOSE", "LEFT_SHOULDER", "RIGHT_SHOULDER", "RIGHT_ELBOW", "RIGHT_WRIST", "LEFT_ELBOW", "LEFT_WRIST",
                  "RIGHT_HIP", "LEFT_HIP"]  # fmt: skip
    body, body_conf = points("POSE_LANDMARKS", body_names)
    face, face_conf = points("FACE_LANDMARKS", [str(i) for i in FACE_POINTS])
    left, left_conf = points("LEFT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS)
    right, right_conf = points("RIGHT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS)
    # Hand depth is relative to the hand's own wrist: re-anchor it at the body's wrist depth.
    left[..., 2] += (body[:, 6, 2] - left[:, 0, 2])[:, None]
    right[..., 2] += (body[:, 4, 2] - right[:, 0, 2])[:, None]
    # So is the face's, to its centre: re-anchor it at the body's nose where the pose has one.
    shift = body[:, 0, 2] - estimate_nose(face)[:, 2]
    face[..., 2] += np.where(np.isfinite(shift), shift, 0.0)[:, None]
    neck = (body[:, 1] + body[:, 2]) / 2
    order = [0, 2, 3, 4, 1, 5, 6]  # nose, right arm from the shoulder, left arm from the shoulder
    points_full = np.concatenate([body[:, order[:1]], neck[:, None], body[:, order[1:]], left, right, face,
                                  body[:, 7:9]], axis=1)  # fmt: skip
    neck_conf = np.minimum(body_conf[:, 1], body_conf[:, 2])
    conf_full = np.concatenate([body_conf[:, order[:1]], neck_conf[:, None], body_conf[:, order[1:]], left_conf,
                                right_conf, face_conf, body_conf[:, 7:9]], axis=1)  # fmt: skip
    return points_full, conf_full


def _openpose_points(data: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # openpose-137 point order: body 0-24, face 25-94, left hand 95-115, right hand 116-136.
    index = np.r_[0:8, 95:116, 116:137]
    points = np.full((len(data), 180, 3), np.nan)
    full_confidence = np.zeros(points.shape[:2], dtype=np.float32)
    points[:, :50, :2] = data[:, index, :2]
    full_confidence[:, :50] = confidence[:, index]
    points[:, FULL_HIPS, :2] = data[:, [9, 12], :2]  # BODY_25 RHip, LHip
    full_confidence[:, FULL_HIPS] = confidence[:, [9, 12]]
    face = data[:, 25:95, :2].astype(np.float64)
    seen = confidence[:, 25:95] > 0
    for chain, target, closed in _OPENPOSE_FACE_CHAINS:
        mapped, mapped_seen = _along(face[:, chain], seen[:, chain], len(target), closed)
        columns = FULL_FACE.start + np.array([FACE_POINTS.index(i) for i in target])
        points[:, columns, :2] = np.where(mapped_seen[..., None], mapped, np.nan)
        full_confidence[:, columns] = mapped_seen
    points[..., 2] = np.where(np.isfinite(points[..., 0]), 0.0, np.nan)
    return points, full_confidence


def _along(chain: np.ndarray, seen: np.ndarray, count: int, closed: bool) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points evenly spaced by index along a chain of points (frames, n, 2), and whether
    both chain points each lies between were seen."""
    n = chain.shape[1]
    position = np.arange(count) * n / count if closed else np.linspace(0, n - 1, count)
    low = np.floor(position).astype(int) % n
    high = (low + 1) % n
    weight = (position - np.floor(position))[None, :, None]
    return (1 - weight) * chain[:, low] + weight * chain[:, high], seen[:, low] & (seen[:, high] | (weight[..., 0] == 0))


CONVERSIONS = {PT50: to_pt50, SLRTP178: to_slrtp178}


def convert(sequences: Iterable[Sequence], layout: str | None = None) -> Iterator[Sequence]:
    """Convert sequences to another layout (``pt50`` or ``slrtp178``), keeping names, texts and timing.

    Args:
        sequences: the sequences.
        layout: the target layout, or None to keep each sequence's own.

    Yields:
        Each :class:`Sequence` in turn, its pose converted with :func:`to_pt50` (frames, 1, 50, 3)
        or :func:`to_slrtp178` (frames, 1, 178, 3), or unchanged when ``layout`` is None.

    Raises:
        SignkitError: a target layout without a conversion (raised on the first ``next``), or a
            sequence without a mapping or with no frame showing both shoulders.
    """
    if layout is not None and layout not in CONVERSIONS:
        raise SignkitError(f"conversion to layout {layout} is not supported; the target layouts are "
                           f"{', '.join(CONVERSIONS)}")  # fmt: skip
    for sequence in sequences:
        if layout is not None:
            sequence = replace(sequence, pose=CONVERSIONS[layout](sequence.pose, sequence.name))
        yield sequence
