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
"""

from __future__ import annotations

from pose_format.utils import openpose
from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

PT50 = "pt50"
HOLISTIC = "holistic"
OPENPOSE_137 = "openpose-137"
CUSTOM = "custom"

LAYOUTS = (PT50, HOLISTIC, OPENPOSE_137)

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

# The component names and point counts that identify each layout.
_SIGNATURES = {
    PT50: (("BODY", 8), ("LEFT_HAND", 21), ("RIGHT_HAND", 21)),
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
    """Name the layout of a header: ``pt50``, ``holistic``, ``openpose-137`` or ``custom``.

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
        layout: ``pt50``, ``holistic`` or ``openpose-137``.

    Raises:
        ValueError: an unknown layout name.
    """
    builders = {PT50: pt50_header, HOLISTIC: holistic_header, OPENPOSE_137: openpose137_header}
    if layout not in builders:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    return builders[layout]()
