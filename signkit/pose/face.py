"""The face of produced signing: the slrtp178 face's shape, its nose, and filling untracked points.

Face points are the 128 contour points of MediaPipe Face Mesh in
:data:`signkit.pose.layouts.FACE_POINTS` order (face oval, lips, eyes, brows). Their shape model is
:data:`FACE_TEMPLATE`: the median face of the DGS Corpus sentences of ``../shared/data/dgs-sentences``
(1,718 frames of 32 sentences with all 128 points tracked), each frame in PT-50's normalised
convention (neck at the origin, shoulder width 1/3, x towards the signer's right), taken relative
to the nose estimated by :func:`estimate_nose`. Trackers often see only part of a face (the ASL
lexicon keeps 31 of the 128 points; OpenPose has no forehead); :func:`complete_face` fills the
rest from the template, fitted contour by contour to what was seen, so a drawn face keeps the
tracked mouth opening, eyes and brows.
"""

from __future__ import annotations

import numpy as np

from signkit.pose.layouts import FACE_CONTOURS, FACE_POINTS

# (128, 3) the median face relative to its nose, PT-50 normalised units (see the module); the
# sentences' depth is flat, so z is 0.
FACE_TEMPLATE = np.zeros((128, 3), dtype=np.float32)
FACE_TEMPLATE[:, :2] = np.array([
    0.0013, 0.0288, 0.0446, -0.0330, 0.0042, -0.0924, 0.0007, 0.0355, 0.0003, 0.0386, 0.0001,
    0.0487, 0.0680, -0.0606, 0.0469, -0.0347, 0.0088, 0.0280, 0.0159, 0.0303, 0.0199, 0.0333,
    0.0557, -0.0459, 0.0419, -0.0522, 0.0500, -0.0501, 0.0625, -0.0723, 0.0156, -0.0479, 0.0577,
    0.0340, 0.0233, 0.0380, 0.0536, -0.0546, 0.0305, -0.0520, 0.0322, -0.0577, 0.0392, -0.0880,
    0.0598, -0.0493, 0.0196, 0.0372, 0.0142, 0.0357, 0.0106, 0.0353, 0.0060, 0.0354, 0.0072,
    0.0483, 0.0061, 0.0385, 0.0147, 0.0379, 0.0182, 0.0428, 0.0663, 0.0000, 0.0167, 0.0378,
    0.0534, -0.0814, 0.0444, -0.0578, 0.0183, -0.0566, 0.0239, -0.0912, 0.0696, -0.0308, 0.0630,
    0.0167, 0.0190, -0.0342, 0.0448, 0.0580, 0.0383, -0.0313, 0.0328, -0.0311, 0.0211, 0.0404,
    0.0094, 0.0834, 0.0270, 0.0734, 0.0352, 0.0671, -0.0038, 0.0847, 0.0277, -0.0319, 0.0231,
    -0.0331, 0.0202, -0.0337, 0.0241, -0.0372, 0.0293, -0.0382, 0.0345, -0.0383, 0.0398,
    -0.0374, 0.0432, -0.0361, 0.0698, -0.0473, 0.0420, -0.0321, 0.0512, 0.0480, 0.0206, -0.0355,
    0.0191, 0.0789, 0.0109, 0.0381, 0.0134, 0.0461, 0.0224, 0.0356, 0.0170, 0.0360, 0.0682,
    -0.0154, 0.0452, -0.0353, -0.0448, -0.0353, -0.0737, -0.0647, -0.0475, -0.0371, -0.0063,
    0.0276, -0.0144, 0.0298, -0.0198, 0.0324, -0.0560, -0.0494, -0.0378, -0.0552, -0.0479,
    -0.0538, -0.0652, -0.0761, -0.0098, -0.0491, -0.0736, 0.0313, -0.0259, 0.0367, -0.0520,
    -0.0586, -0.0252, -0.0542, -0.0263, -0.0600, -0.0340, -0.0908, -0.0608, -0.0530, -0.0224,
    0.0360, -0.0151, 0.0350, -0.0104, 0.0350, -0.0051, 0.0352, -0.0074, 0.0479, -0.0058, 0.0382,
    -0.0161, 0.0370, -0.0198, 0.0418, -0.0806, -0.0044, -0.0191, 0.0368, -0.0523, -0.0846,
    -0.0402, -0.0613, -0.0115, -0.0581, -0.0161, -0.0931, -0.0813, -0.0360, -0.0789, 0.0128,
    -0.0170, -0.0349, -0.0568, 0.0570, -0.0375, -0.0332, -0.0316, -0.0327, -0.0234, 0.0391,
    -0.0173, 0.0830, -0.0368, 0.0733, -0.0461, 0.0666, -0.0262, -0.0332, -0.0213, -0.0341,
    -0.0183, -0.0346, -0.0224, -0.0385, -0.0279, -0.0396, -0.0334, -0.0400, -0.0392, -0.0394,
    -0.0431, -0.0383, -0.0788, -0.0522, -0.0417, -0.0341, -0.0659, 0.0462, -0.0187, -0.0364,
    -0.0277, 0.0787, -0.0113, 0.0375, -0.0142, 0.0453, -0.0237, 0.0344, -0.0189, 0.0351,
    -0.0814, -0.0204, -0.0455, -0.0373
], dtype=np.float32).reshape(128, 2)  # fmt: skip

# The nose tip lies this far from the eyes' centre towards the mouth's centre: the median over
# 8,824 frames of MediaPipe holistic with the pose's NOSE and the face's eye and lip corners
# tracked (spoken-to-signed's fingerspelling alphabets and ../shared/data/asl-lexicon; 10th and 90th
# percentiles 0.42 and 0.59; the sideways offset, 4% of the eye-to-mouth distance, is ignored).
NOSE_FRACTION = 0.48
_EYE_CORNERS = [FACE_POINTS.index(i) for i in (33, 133, 263, 362)]
_MOUTH = [FACE_POINTS.index(i) for i in (61, 291, 0, 17)]
# The face's size: the distance between the outer eye corners (MediaPipe 33 and 263).
_OUTER_EYE_CORNERS = [FACE_POINTS.index(33), FACE_POINTS.index(263)]
_CONTOUR_GROUPS = [  # contours fitted together: the oval, the lips, an eye, a brow's two edges
    [FACE_POINTS.index(i) for name in names for i in FACE_CONTOURS[name][0]]
    for names in (("face oval",), ("outer lips", "inner lips"), ("right eye",), ("left eye",),
                  ("right brow", "right brow lower"), ("left brow", "left brow lower"))
]  # fmt: skip


def estimate_nose(face: np.ndarray) -> np.ndarray:
    """The nose tip from the eyes and the mouth (:data:`NOSE_FRACTION`).

    Args:
        face: (frames, 128, D) face points in :data:`signkit.pose.layouts.FACE_POINTS` order, any
            units, NaN where missing.

    Returns:
        (frames, D) float64 in the units of ``face``; NaN in frames missing an eye or lip corner.
    """
    face = np.asarray(face, dtype=np.float64)
    eyes = face[:, _EYE_CORNERS].mean(axis=1)
    mouth = face[:, _MOUTH].mean(axis=1)
    return eyes + NOSE_FRACTION * (mouth - eyes)


def face_size(face: np.ndarray) -> np.ndarray:
    """The distance between the outer eye corners in the image plane, (frames,) from (frames, 128,
    D) face points; NaN where one is missing."""
    face = np.asarray(face, dtype=np.float64)
    return np.linalg.norm(face[:, _OUTER_EYE_CORNERS[0], :2] - face[:, _OUTER_EYE_CORNERS[1], :2], axis=-1)


def complete_face(face: np.ndarray, nose: np.ndarray) -> np.ndarray:
    """Fill the face points a tracker did not see from :data:`FACE_TEMPLATE`.

    In each frame, each group of contours (the oval, the lips, each eye, each brow) with at least
    three seen points takes the template's group mapped onto them by a least-squares affine map
    in the image plane (so a mouth seen open stays open); a group with fewer takes the template
    mapped by the similarity (scale and shift) fitted to all seen points of the face, or, with
    fewer than two seen, the template at the nose at its own scale. Seen points are kept as they
    are; depth is the mean depth of the seen points (the nose's without any).

    Args:
        face: (frames, 128, 3) face points in :data:`signkit.pose.layouts.FACE_POINTS` order, PT-50
            normalised units (the template's scale), NaN where missing.
        nose: (frames, 3) the nose tip in the same units (no NaN).

    Returns:
        (frames, 128, 3) float32 with no NaN.
    """
    face = np.array(face, dtype=np.float64)
    template = FACE_TEMPLATE[:, :2].astype(np.float64)
    for frame, points in enumerate(face):
        seen = np.isfinite(points).all(axis=-1)
        if seen.all():
            continue
        depth = points[seen, 2].mean() if seen.any() else nose[frame, 2]
        if seen.sum() >= 2:
            source, target = template[seen], points[seen, :2]
            offset = source - source.mean(axis=0)
            scale = float((offset * (target - target.mean(axis=0))).sum() / max((offset**2).sum(), 1e-12))
            filled = (template - source.mean(axis=0)) * scale + target.mean(axis=0)
        else:
            filled = template + nose[frame, :2]
        for group in _CONTOUR_GROUPS:
            known = [i for i in group if seen[i]]
            if len(known) >= 3:
                design = np.c_[template[known], np.ones(len(known))]
                affine, *_ = np.linalg.lstsq(design, points[known, :2], rcond=None)
                filled[group] = np.c_[template[group], np.ones(len(group))] @ affine
        points[~seen, :2] = filled[~seen]
        points[~seen, 2] = depth
    return face.astype(np.float32)
