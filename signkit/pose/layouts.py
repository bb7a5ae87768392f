"""Joint layouts as pose-format headers, each written down once.

A layout is a list of :class:`pose_format.pose_header.PoseHeaderComponent` (named points, limbs
between them, colours, point format). signkit knows three:

``pt50``
    Progressive Transformers' upper body (Saunders et al., 2020): OpenPose BODY_25 joints 0-7
    (``BODY``: Nose, Neck, RShoulder, RElbow, RWrist, LShoulder, LElbow, LWrist), then the 21
    points of the hand at joint 7 (``LEFT_HAND``), then the 21 of the hand at joint 4
    (``RIGHT_HAND``), in OpenPose hand order; 3D. Coordinates follow the convention of the
    PHOENIX14T data released with Progressive Transformers: the neck at the origin in every
    frame, x towards the signer's right (joint 2 at x > 0), y downwards, z towards the signer's
    front, and the 2D shoulder width scaled to 1/3 in every frame (normalised units).
``holistic``
    MediaPipe Holistic as pose-format writes it: ``POSE_LANDMARKS`` (33), ``FACE_LANDMARKS``
    (468, or 478 with irises), ``LEFT_HAND_LANDMARKS`` and ``RIGHT_HAND_LANDMARKS`` (21 each),
    optionally ``POSE_WORLD_LANDMARKS`` (33); pixels (x, y) and MediaPipe's relative depth z.
    Files reduced to fewer body and face points (pose-format's ``reduce_holistic``, as in the
    DGS Corpus sample) count as holistic too; points are found by name.
``openpose-137``
    OpenPose BODY_25 + face 70 + hands 21 + 21 as in How2Sign's keypoint release; 2D pixels.
``slrtp178``
    The skeleton of the SLRTP 2025 challenge (the layout of ``../shared/data/dgs-sentences``, whose
    header is the definition): ``POSE_LANDMARKS`` (8: MediaPipe Pose's shoulders, elbows, wrists
    and hips), ``FACE_LANDMARKS`` (128: the MediaPipe Face Mesh points of its contours,
    :data:`FACE_CONTOURS`, named by mesh index), ``LEFT_HAND_LANDMARKS`` and
    ``RIGHT_HAND_LANDMARKS`` (21 each, MediaPipe Hands order); XYZC. The challenge's files are in
    pixels (their header's dimensions); signkit writes it in PT-50's convention (normalised units,
    neck = shoulders' midpoint at the origin, shoulder width 1/3, x towards the signer's right, y
    down, z towards the signer's front) with header dimensions 1 x 1 x 1, which is how a file in
    that convention is recognised (:func:`is_normalised`).
"""

from __future__ import annotations

from pose_format.utils import openpose
from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

PT50 = "pt50"
HOLISTIC = "holistic"
OPENPOSE_137 = "openpose-137"
SLRTP178 = "slrtp178"
CUSTOM = "custom"

LAYOUTS = (PT50, HOLISTIC, OPENPOSE_137, SLRTP178)

# OpenPose hand order (hand keypoints 0-20) with pose-format's names for them.
OPENPOSE_HAND_POINTS = list(openpose.HAND_POINTS)
HAND_LIMBS = [(0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10),
              (10, 11), (11, 12), (0, 13), (13, 14), (14, 15), (15, 16), (0, 17), (17, 18),
              (18, 19), (19, 20)]  # fmt: skip

# OpenPose's hand colours (HAND_COLORS_RENDER): wrist grey, then thumb, index, middle, ring,
# little finger, each from dark to bright. RGB.
HAND_COLORS = [(100, 100, 100),
               (100, 0, 0), (150, 0, 0), (200, 0, 0), (255, 0, 0),
               (100, 100, 0), (150, 150, 0), (200, 200, 0), (255, 255, 0),
               (0, 100, 50), (0, 150, 75), (0, 200, 100), (0, 255, 125),
               (0, 50, 100), (0, 75, 150), (0, 100, 200), (0, 125, 255),
               (100, 0, 100), (150, 0, 150), (200, 0, 200), (255, 0, 255)]  # fmt: skip

# OpenPose's BODY_25 colours (POSE_COLORS_RENDER) for joints 0-7. RGB.
BODY8_POINTS = ["Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist"]
BODY8_COLORS = [(255, 0, 85), (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0),
                (170, 255, 0), (85, 255, 0), (0, 255, 0)]  # fmt: skip
BODY8_LIMBS = [(1, 0), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7)]

# PT-50 joint indices used by conversions and stitching.
PT50_NECK, PT50_RSHOULDER, PT50_RWRIST, PT50_LSHOULDER, PT50_LWRIST = 1, 2, 4, 5, 7
PT50_LEFT_HAND = slice(8, 29)  # the hand at joint 7
PT50_RIGHT_HAND = slice(29, 50)  # the hand at joint 4
HAND_SIZE_POINT = 9  # in a hand's 21 points: the middle finger's base; hand size is wrist (0) to it

# MediaPipe Pose landmark names (33) and connections, and MediaPipe Hands names (21).
MEDIAPIPE_POSE_POINTS = [
    "NOSE", "LEFT_EYE_INNER", "LEFT_EYE", "LEFT_EYE_OUTER", "RIGHT_EYE_INNER", "RIGHT_EYE",
    "RIGHT_EYE_OUTER", "LEFT_EAR", "RIGHT_EAR", "MOUTH_LEFT", "MOUTH_RIGHT", "LEFT_SHOULDER",
    "RIGHT_SHOULDER", "LEFT_ELBOW", "RIGHT_ELBOW", "LEFT_WRIST", "RIGHT_WRIST", "LEFT_PINKY",
    "RIGHT_PINKY", "LEFT_INDEX", "RIGHT_INDEX", "LEFT_THUMB", "RIGHT_THUMB", "LEFT_HIP",
    "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE", "LEFT_HEEL",
    "RIGHT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_FOOT_INDEX",
]  # fmt: skip
MEDIAPIPE_POSE_LIMBS = [(0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
                        (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
                        (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20), (11, 23),
                        (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28), (27, 29),
                        (28, 30), (29, 31), (30, 32), (27, 31), (28, 32)]  # fmt: skip
MEDIAPIPE_HAND_POINTS = [
    "WRIST", "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP", "INDEX_FINGER_MCP",
    "INDEX_FINGER_PIP", "INDEX_FINGER_DIP", "INDEX_FINGER_TIP", "MIDDLE_FINGER_MCP",
    "MIDDLE_FINGER_PIP", "MIDDLE_FINGER_DIP", "MIDDLE_FINGER_TIP", "RING_FINGER_MCP",
    "RING_FINGER_PIP", "RING_FINGER_DIP", "RING_FINGER_TIP", "PINKY_MCP", "PINKY_PIP",
    "PINKY_DIP", "PINKY_TIP",
]  # fmt: skip

# The face in production: the contours of MediaPipe Face Mesh (FACEMESH_CONTOURS: face oval, lips,
# eyes, brows), each an ordered chain of mesh indices, and whether it closes on itself. "right" is
# the signer's right (the image's left for a signer facing the camera), as in MediaPipe. Eyes and
# lips start at the corner on the signer's right and go over the top; each brow has an upper and
# a lower edge from its outer end inwards (right) or inner end outwards (left).
FACE_CONTOURS = {
    "face oval": ((10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
                   400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54,
                   103, 67, 109), True),
    "outer lips": ((61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84,
                    181, 91, 146), True),
    "inner lips": ((78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87,
                    178, 88, 95), True),
    "right eye": ((33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7), True),
    "left eye": ((362, 398, 384, 385, 386, 387, 388, 466, 263, 249, 390, 373, 374, 380, 381, 382), True),
    "right brow": ((70, 63, 105, 66, 107), False),
    "right brow lower": ((46, 53, 52, 65, 55), False),
    "left brow": ((336, 296, 334, 293, 300), False),
    "left brow lower": ((285, 295, 282, 283, 276), False),
}  # fmt: skip
# slrtp178's 128 face points: every contour point, by mesh index in increasing order.
FACE_POINTS = sorted({i for chain, _ in FACE_CONTOURS.values() for i in chain})
FACE_LIMBS = [(FACE_POINTS.index(chain[k]), FACE_POINTS.index(chain[(k + 1) % len(chain)]))
              for chain, closed in FACE_CONTOURS.values() for k in range(len(chain) - (0 if closed else 1))]  # fmt: skip
# slrtp178's body: MediaPipe Pose names and the challenge's limbs.
SLRTP_BODY_POINTS = ["LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_ELBOW", "RIGHT_ELBOW", "LEFT_WRIST",
                     "RIGHT_WRIST", "LEFT_HIP", "RIGHT_HIP"]  # fmt: skip
SLRTP_BODY_LIMBS = [(0, 1), (0, 2), (2, 4), (1, 3), (3, 5), (0, 6), (1, 7), (6, 7)]
# slrtp178's body colours: OpenPose's for the arms, grey for the hips.
SLRTP_BODY_COLORS = [BODY8_COLORS[5], BODY8_COLORS[2], BODY8_COLORS[6], BODY8_COLORS[3], BODY8_COLORS[7],
                     BODY8_COLORS[4], (128, 128, 128), (128, 128, 128)]  # fmt: skip
FACE_COLOR = (80, 80, 80)

# The points signkit works on internally ("full" order): PT-50's 50, the 128 face points
# (FACE_POINTS order), then the right and left hip. Production uses the first 178 (no producer
# predicts hips); PT-50 is the first 50.
FULL_FACE = slice(50, 178)
FULL_HIPS = slice(178, 180)
# slrtp178's 178 points taken from the full order: body 8 (left/right shoulder, elbow, wrist,
# hip), face 128, the left hand (PT-50's hand at joint 7), the right hand.
SLRTP178_FROM_FULL = [5, 2, 6, 3, 7, 4, 179, 178, *range(50, 178), *range(8, 29), *range(29, 50)]

# The component names and point counts that identify each layout.
_SIGNATURES = {
    PT50: (("BODY", 8), ("LEFT_HAND", 21), ("RIGHT_HAND", 21)),
    SLRTP178: (("POSE_LANDMARKS", 8), ("FACE_LANDMARKS", 128), ("LEFT_HAND_LANDMARKS", 21),
               ("RIGHT_HAND_LANDMARKS", 21)),
    OPENPOSE_137: (("pose_keypoints_2d", 25), ("face_keypoints_2d", 70),
                   ("hand_left_keypoints_2d", 21), ("hand_right_keypoints_2d", 21)),
}  # fmt: skip
_HOLISTIC_COMPONENTS = ("POSE_LANDMARKS", "FACE_LANDMARKS", "LEFT_HAND_LANDMARKS",
                        "RIGHT_HAND_LANDMARKS")  # fmt: skip


def _component(name: str, points: list[str], limbs, colors, point_format: str) -> PoseHeaderComponent:
    return PoseHeaderComponent(name=name, points=list(points), limbs=list(limbs),
                               colors=[tuple(c) for c in colors], point_format=point_format)  # fmt: skip


def pt50_header() -> PoseHeader:
    """The PT-50 header: components ``BODY`` (8), ``LEFT_HAND`` (21), ``RIGHT_HAND`` (21), XYZC.

    Dimensions are 1 x 1 x 1: coordinates are in normalised units (shoulder width 1/3), not pixels.
    """
    components = [
        _component("BODY", BODY8_POINTS, BODY8_LIMBS, BODY8_COLORS, "XYZC"),
        _component("LEFT_HAND", OPENPOSE_HAND_POINTS, HAND_LIMBS, HAND_COLORS, "XYZC"),
        _component("RIGHT_HAND", OPENPOSE_HAND_POINTS, HAND_LIMBS, HAND_COLORS, "XYZC"),
    ]
    return PoseHeader(version=0.2, dimensions=PoseHeaderDimensions(width=1, height=1, depth=1),
                      components=components)  # fmt: skip


def slrtp178_header() -> PoseHeader:
    """The slrtp178 header as signkit writes it: ``POSE_LANDMARKS`` (8), ``FACE_LANDMARKS`` (128),
    ``LEFT_HAND_LANDMARKS`` and ``RIGHT_HAND_LANDMARKS`` (21 each), XYZC.

    Point names and order are the SLRTP 2025 challenge's (``../shared/data/dgs-sentences``); the
    face's limbs are its contours (:data:`FACE_CONTOURS`). Dimensions are 1 x 1 x 1: coordinates
    in PT-50's normalised convention (see the module docstring).
    """
    components = [
        _component("POSE_LANDMARKS", SLRTP_BODY_POINTS, SLRTP_BODY_LIMBS, SLRTP_BODY_COLORS, "XYZC"),
        _component("FACE_LANDMARKS", [str(i) for i in FACE_POINTS], FACE_LIMBS, [FACE_COLOR], "XYZC"),
        _component("LEFT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS, HAND_LIMBS, HAND_COLORS, "XYZC"),
        _component("RIGHT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS, HAND_LIMBS, HAND_COLORS, "XYZC"),
    ]
    return PoseHeader(version=0.2, dimensions=PoseHeaderDimensions(width=1, height=1, depth=1),
                      components=components)  # fmt: skip


def is_normalised(header: PoseHeader) -> bool:
    """Whether a pose's coordinates are in PT-50's normalised convention: always for ``pt50``;
    for ``slrtp178`` when its dimensions are 1 x 1 (as :func:`slrtp178_header` writes it)."""
    layout = layout_of(header)
    return layout == PT50 or (layout == SLRTP178 and header.dimensions.width == header.dimensions.height == 1)


def openpose137_header(width: int = 1280, height: int = 720) -> PoseHeader:
    """The OpenPose-137 header of pose-format (BODY_25, face 70, hands 21 + 21; XYC, pixels).

    The layout of How2Sign's OpenPose keypoint release.

    Args:
        width: frame width in pixels, written to the header's dimensions.
        height: frame height in pixels.
    """
    return PoseHeader(version=0.2, dimensions=PoseHeaderDimensions(width=width, height=height, depth=0),
                      components=list(openpose.OpenPose_Components))  # fmt: skip


def holistic_header(width: int = 1280, height: int = 720, face_points: int = 478,
                    world: bool = True) -> PoseHeader:  # fmt: skip
    """A MediaPipe Holistic header with pose-format's component names, XYZC.

    Body and hand limbs are MediaPipe's connections; the face (468 or 478 numbered points)
    carries no limbs here (pose-format's own holistic header, which needs mediapipe, adds the
    face mesh). Files keep their own header, so this is only used to build new holistic poses.

    Args:
        width: frame width in pixels, written to the header's dimensions.
        height: frame height in pixels.
        face_points: 468 (MediaPipe Face Mesh) or 478 (with irises).
        world: add the ``POSE_WORLD_LANDMARKS`` component (33 points, MediaPipe's metric world
            coordinates).
    """
    white = [(255, 255, 255)]
    components = [
        _component("POSE_LANDMARKS", MEDIAPIPE_POSE_POINTS, MEDIAPIPE_POSE_LIMBS, [(255, 0, 0)], "XYZC"),
        _component("FACE_LANDMARKS", [str(i) for i in range(face_points)], [], [(128, 0, 0)], "XYZC"),
        _component("LEFT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS, HAND_LIMBS, HAND_COLORS, "XYZC"),
        _component("RIGHT_HAND_LANDMARKS", MEDIAPIPE_HAND_POINTS, HAND_LIMBS, HAND_COLORS, "XYZC"),
    ]
    if world:
        components.append(_component("POSE_WORLD_LANDMARKS", MEDIAPIPE_POSE_POINTS,
                                     MEDIAPIPE_POSE_LIMBS, white, "XYZC"))  # fmt: skip
    return PoseHeader(version=0.2, dimensions=PoseHeaderDimensions(width=width, height=height, depth=0),
                      components=components)  # fmt: skip


def layout_of(header: PoseHeader) -> str:
    """Name the layout of a header: ``pt50``, ``holistic``, ``openpose-137``, ``slrtp178`` or
    ``custom``.

    Identified by component names and point counts, so files from other tools that use
    pose-format's names are recognised too.
    """
    signature = tuple((c.name, len(c.points)) for c in header.components)
    for name, expected in _SIGNATURES.items():
        if signature == expected:
            return name
    names = tuple(c.name for c in header.components[:4])
    if names == _HOLISTIC_COMPONENTS and signature[2][1] == signature[3][1] == 21:
        return HOLISTIC  # full, or reduced to fewer body and face points (pose-format's reduce_holistic)
    return CUSTOM


def component_slice(header: PoseHeader, name: str) -> slice:
    """The point indices of component ``name`` in the header's flat point order.

    Raises:
        ValueError: the header has no such component.
    """
    start = 0
    for component in header.components:
        if component.name == name:
            return slice(start, start + len(component.points))
        start += len(component.points)
    raise ValueError(f"the pose has no component {name!r}")


def header_for(layout: str) -> PoseHeader:
    """The header of a named layout, built with each builder's defaults (1280 x 720 pixels for
    the pixel layouts).

    Args:
        layout: ``pt50``, ``holistic``, ``openpose-137`` or ``slrtp178``.

    Raises:
        ValueError: an unknown layout name.
    """
    builders = {PT50: pt50_header, HOLISTIC: holistic_header, OPENPOSE_137: openpose137_header,
                SLRTP178: slrtp178_header}  # fmt: skip
    if layout not in builders:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    return builders[layout]()
