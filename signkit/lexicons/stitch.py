"""Joining lexicon clips into one fluent PT-50 signing sequence.

Each clip is brought to PT-50 (:func:`signkit.pose.convert.to_pt50`: neck at the origin,
shoulder width 1/3), then

1. an arm whose hand is tracked in fewer than half of the clip's frames is resting: it takes the
   rest pose; other gaps are filled by linear interpolation over time;
2. the clip is trimmed to its active span (frames where a signing hand's wrist is above its
   elbow), dropping the citation form's raise and lowering;
3. it is retargeted to one signer (:func:`retarget`): each bone rebuilt outwards from the
   neck and shoulders with the reference signer's lengths, keeping the clip's motion as seen
   from the front; each hand scaled to the reference hand size and attached at the new wrist;
4. it is resampled to the output fps, sped up where a citation-form sign is longer than a
   fluent one (at most :data:`MAX_SIGN_SECONDS`, or :data:`MAX_LETTER_SECONDS` for a letter).

A clip with a face (the full order of :mod:`signkit.pose.convert`: PT-50's 50 points, then the 128
face points of slrtp178) keeps its face's motion: untracked face points are filled from the face
template (:func:`signkit.pose.face.complete_face`) and the face is retargeted with the head (moved
with the nose, scaled to :data:`signkit.pose.motion.REST_FACE`'s face size).

Clips are joined by eased transitions whose length grows with the distance the wrists travel, and
a zero-phase Butterworth low-pass at the frequency below which real signing's wrist motion lies
(:func:`signkit.pose.motion.low_pass`) removes tracking jitter and the corners of joins; the rest
pose is held at start and end, reached by transitions. The approach follows the stitching of sign.mt's spoken-to-signed
(Moryossef et al., 2023), with retargeting and distance-timed transitions added.

The reference signer and rest pose is :data:`signkit.pose.motion.REST_POSE`, a real frame of
PHOENIX14T where both hands hang at rest; resampling, transitions and smoothing are those of
:mod:`signkit.pose.motion`.
"""

from __future__ import annotations

import numpy as np

from signkit.pose.face import complete_face, face_size
from signkit.pose.layouts import FULL_FACE, HAND_SIZE_POINT, PT50_LSHOULDER, PT50_RSHOULDER
from signkit.pose.motion import ARMS, REST_FACE, REST_POSE, fill_gaps, join, low_pass, resample

# A sign is played no longer than this: the 90th percentile of the gloss durations of continuous
# signing (the 190 glosses of the DGS Corpus sentences, ms from their annotations: median 180,
# quartiles 100 and 295; 417 ms a gloss from the first's start to the last's end, transitions
# included), so a dictionary sign recorded in citation form (the ASL lexicon's: median 1.6 s)
# is sped up to the pace of a sentence.
MAX_SIGN_SECONDS = 0.48
MAX_LETTER_SECONDS = 0.32
REST_SECONDS = 0.4


def _arm_points(arm: str) -> np.ndarray:
    _, elbow, wrist, hand = ARMS[arm]
    return np.r_[elbow, wrist, hand.start : hand.stop]


def _length(vectors: np.ndarray) -> np.ndarray:
    return np.linalg.norm(vectors, axis=-1)


def prepare_clip(points: np.ndarray, fps: float, out_fps: float, letter: bool = False) -> np.ndarray:
    """Turn one lexicon clip into frames ready to join (steps 1-4 of the module docstring).

    Args:
        points: (frames, 50, 3) PT-50 points of the clip, or (frames, 178, 3) PT-50 and face
            points, in normalised units (neck at the origin, shoulder width 1/3), NaN where missing.
        fps: the clip's frame rate (frames per second).
        out_fps: the output frame rate.
        letter: a fingerspelled letter (its duration capped at 0.32 s instead of 1 s).

    Returns:
        (frames', points, 3) float32 with no missing value, at ``out_fps``, in normalised units;
        a one-frame clip lasts one output frame.
    """
    points = np.array(points, dtype=np.float32)
    frames = len(points)
    fill_gaps(points, np.r_[0:2, PT50_RSHOULDER, PT50_LSHOULDER])  # nose, neck, shoulders
    if points.shape[1] > 50:
        points[:, FULL_FACE] = complete_face(points[:, FULL_FACE], points[:, 0])
    signing = []
    for arm in ARMS:
        shoulder, elbow, wrist, hand = ARMS[arm]
        tracked = np.isfinite(points[:, hand]).all(axis=(1, 2)) & np.isfinite(points[:, [elbow, wrist]]).all(axis=(1, 2))
        index = _arm_points(arm)
        if tracked.mean() < 0.5:
            points[:, index] = REST_POSE[index] + (points[:, shoulder] - REST_POSE[shoulder])[:, None]
            continue
        signing.append(tracked & (points[:, wrist, 1] < points[:, elbow, 1]))
        fill_gaps(points, index)
    if signing:
        active = np.flatnonzero(np.logical_or.reduce(signing))
        if active.size:
            points = points[active[0] : active[-1] + 1]
    points = retarget(points)
    cap = MAX_LETTER_SECONDS if letter else MAX_SIGN_SECONDS
    seconds = min(len(points) / fps, cap) if frames > 1 else 1 / out_fps
    return resample(points, max(1, int(round(seconds * out_fps))))


def retarget(points: np.ndarray) -> np.ndarray:
    """Give a clip the reference signer's proportions, keeping its motion as seen from the front.

    Depth from monocular trackers is unreliable, so each bone is rebuilt from its image-plane
    part: the clip's 2D bone vectors are scaled so that the bone's longest 2D extent (90th
    percentile over the clip: the bone parallel to the image) equals the reference length, and
    the depth is solved from the constant 3D length, keeping the clip's sign of depth (the
    skeletal-model idea of Zelinka & Kanis, 2020). Hands are scaled about the wrist so that the
    2D hand size matches the reference; a face moves with the nose and is scaled about it so that
    its size (:func:`signkit.pose.face.face_size`, 90th percentile over the clip) matches the
    reference's.

    Args:
        points: (frames, 50, 3) complete PT-50 points, or (frames, 178, 3) with the face (no
            NaN), normalised units.

    Returns:
        (frames, points, 3) of the dtype of ``points``: nose, arms, hands and face rebuilt from the
        neck and shoulders outwards, with :data:`signkit.pose.motion.REST_FACE`'s proportions.
    """
    out = points.copy()
    out[:, 0] = _bone(out[:, 1], points[:, 0] - points[:, 1], _length(REST_POSE[0] - REST_POSE[1]))
    for shoulder, elbow, wrist, hand in ARMS.values():
        out[:, elbow] = _bone(out[:, shoulder], points[:, elbow] - points[:, shoulder],
                              _length(REST_POSE[elbow] - REST_POSE[shoulder]))  # fmt: skip
        out[:, wrist] = _bone(out[:, elbow], points[:, wrist] - points[:, elbow],
                              _length(REST_POSE[wrist] - REST_POSE[elbow]))  # fmt: skip
        size = _length(points[:, hand.start + HAND_SIZE_POINT, :2] - points[:, hand.start, :2])
        reference = _length(REST_POSE[hand.start + HAND_SIZE_POINT, :2] - REST_POSE[hand.start, :2])
        scale = reference / max(float(np.percentile(size, 90)), 1e-6)
        out[:, hand] = out[:, wrist : wrist + 1] + (points[:, hand] - points[:, wrist : wrist + 1]) * scale
    if points.shape[1] > 50:
        reference = float(face_size(REST_FACE[None, FULL_FACE])[0])
        scale = reference / max(float(np.percentile(face_size(points[:, FULL_FACE]), 90)), 1e-6)
        out[:, FULL_FACE] = out[:, :1] + (points[:, FULL_FACE] - points[:, :1]) * scale
    return out


def _bone(parent: np.ndarray, vector: np.ndarray, length: float) -> np.ndarray:
    """Child joints (frames, 3) at ``length`` from ``parent`` along ``vector``'s 2D direction and extent."""
    planar = vector[:, :2] * (length / max(float(np.percentile(_length(vector[:, :2]), 90)), 1e-6))
    extent = _length(planar)
    planar *= np.minimum(1.0, length / np.maximum(extent, 1e-6))[:, None]
    depth = np.sign(vector[:, 2]) * np.sqrt(np.maximum(length**2 - _length(planar) ** 2, 0.0))
    return parent + np.concatenate([planar, depth[:, None]], axis=-1)


def rest_pose(face: bool) -> np.ndarray:
    """The rest pose: (50, 3) :data:`REST_POSE`, or (178, 3) :data:`REST_FACE` with the face."""
    return REST_FACE if face else REST_POSE


def stitch(clips: list[np.ndarray], fps: float, face: bool = False, rest: bool = True) -> np.ndarray:
    """Join prepared clips into one sequence that starts and ends at rest.

    The stitching of sign.mt's spoken-to-signed (Moryossef et al., 2023), with transitions timed
    by the wrists' travel (:func:`signkit.pose.motion.transition`).

    Args:
        clips: prepared clips, each (frames, 50, 3), or (frames, 178, 3) with the face, at ``fps``
            (see :func:`prepare_clip`); may be empty (then the rest pose alone).
        fps: frames per second.
        face: make the face (the clips have one; the rest pose is :data:`REST_FACE`).
        rest: start and end at rest; else the sequence runs from the first clip's first frame to
            the last clip's last (an excerpt of continuous signing, as the DGS Corpus sentences
            are: 28 of 32 start with a hand raised).

    Returns:
        (frames, points, 3) float32 in normalised units: rest hold (0.4 s), a transition, the
        clips joined by transitions and low-passed (:func:`signkit.pose.motion.low_pass`), a
        transition, rest hold.
    """
    held = np.repeat(rest_pose(face)[None], max(1, int(round(REST_SECONDS * fps))), axis=0)
    if not clips:
        return held
    signing = low_pass(join(clips, fps), fps)
    return join([held, signing, held], fps) if rest else signing


