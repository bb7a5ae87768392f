"""Draw a pose as skeleton frames: OpenPose-style coloured limbs and joints on a plain background.

:func:`draw_skeleton` works on any pose-format header. Each component's limbs are drawn in the
component's colours (the colour of a limb is that of its second point when the component has one
colour per point, else the component's single colour), body limbs thick, hand limbs thinner with
small joint dots on top so the fingers stay legible. A MediaPipe face (a ``FACE_LANDMARKS``
component whose points are named by mesh index: holistic, slrtp178) is drawn as a signer's drawing
is: thin lines along its contours (face outline, brows, eyes, lips: the inner lips show the mouth
opening; :data:`signkit.pose.layouts.FACE_CONTOURS`) through the points it has, and the nose as a
line from between the eyes to its tip (:func:`signkit.pose.face.estimate_nose`), in grey that
stands out from the background, with a neck from the shoulders' midpoint to the chin; other faces
(OpenPose's) as small dots. Line widths scale with the frame size. Only x and y are drawn (an
orthographic view from the front).

Layout rules (see :mod:`signkit.pose.layouts`):

* ``pt50`` (and ``slrtp178`` in normalised units) is seen by a viewer facing the signer: its x
  points to the signer's right, so image x is -x and the signer's right shoulder lands on the left
  half of the image.
* ``holistic`` and ``openpose-137`` are in pixels and drawn as they are; only the upper body of
  their body component is drawn (no hips or legs; for holistic only shoulders and arms, as the
  face mesh and the hands show the rest), ``POSE_WORLD_LANDMARKS`` (metres, not image space) is
  skipped, and points more than half a frame outside the source image are ignored.
* ``custom`` layouts are drawn as they are (every component but ``POSE_WORLD_LANDMARKS``).

The whole sequence shares one uniform scale and offset, fitted to the bounding box of every drawn
point of every frame, so the signer stays in view, centred, with a margin, and does not jump.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from pose_format import Pose

from signkit.errors import SignkitError
from signkit.pose.layouts import (
    BODY8_COLORS,
    FACE_CONTOURS,
    FACE_POINTS,
    HOLISTIC,
    OPENPOSE_137,
    SLRTP178,
    component_slice,
    is_normalised,
    layout_of,
)

MARGIN = 0.08  # fraction of the frame left free on each side
_SHIFT = 4  # sub-pixel bits of cv2's fixed-point coordinates
_ONE = 1 << _SHIFT
_SKIPPED_COMPONENTS = {"POSE_WORLD_LANDMARKS"}
# The points drawn of the body component of pixel layouts. MediaPipe Pose: shoulders, elbows and
# wrists (11-16); its head (0-10) and hand (17-22) points would cover the face mesh and the hands
# with thick lines, and 23+ are hips and legs. OpenPose BODY_25: nose, neck and arms (0-7) and
# eyes and ears (15-18), as OpenPose draws them; 8-14 and 19-24 are hips and legs.
_UPPER_BODY = {
    HOLISTIC: ("POSE_LANDMARKS", tuple(range(11, 17))),
    OPENPOSE_137: ("pose_keypoints_2d", tuple(range(8)) + (15, 16, 17, 18)),
}
_UNCOLOURED = (128, 128, 128)  # RGB of a component whose header gives no colours
_OUTSIDE = 0.5  # pixel layouts: ignore points beyond this fraction of the image outside it


@dataclass(frozen=True)
class _Style:
    """Line thickness and dot radius in pixels at a 512-pixel frame, and whether limbs are drawn."""

    thickness: float
    radius: float
    limbs: bool


_BODY = _Style(thickness=5.0, radius=5.0, limbs=True)
_HAND = _Style(thickness=2.0, radius=2.5, limbs=True)
_FACE = _Style(thickness=1.0, radius=1.2, limbs=False)
_FACE_LINES = _Style(thickness=1.5, radius=0.0, limbs=True)
_FACE_ON_LIGHT, _FACE_ON_DARK = (70, 70, 70), (225, 225, 225)  # RGB of face lines by background
_MESH_FACE = "FACE_LANDMARKS"  # MediaPipe's face component: points named by mesh index
_NECK = BODY8_COLORS[1]  # RGB of the neck line drawn with a MediaPipe face: OpenPose's neck


def _style(component_name: str) -> _Style:
    name = component_name.upper()
    if "HAND" in name:
        return _HAND
    if "FACE" in name:
        return _FACE
    return _BODY


def _colour(colours: list, count: int, point: int) -> tuple[int, int, int]:
    if len(colours) == 0:
        return _UNCOLOURED
    colour = colours[point] if len(colours) == count else colours[0]
    return tuple(int(c) for c in colour[:3])


def _check_size(width: int, height: int) -> tuple[int, int]:
    if int(width) != width or int(height) != height or width < 1 or height < 1:
        raise SignkitError(f"frame size must be positive whole pixels, got {width}x{height}")
    return int(width), int(height)


def _check_background(background) -> tuple[int, int, int]:
    colour = tuple(background)
    if len(colour) != 3 or not all(int(c) == c and 0 <= c <= 255 for c in colour):
        raise SignkitError(f"background must be an RGB triple of 0-255 integers, got {background!r}")
    return tuple(int(c) for c in colour)


def _valid_points(pose: Pose) -> tuple[np.ndarray, np.ndarray]:
    """Person 0's x, y as float64 (frames, points, 2) and which points are present (frames, points)."""
    data = pose.body.data
    if data.shape[0] == 0:
        raise SignkitError("pose has 0 frames: nothing to draw")
    if data.shape[1] == 0:
        raise SignkitError("pose has no person: nothing to draw")
    total = sum(len(component.points) for component in pose.header.components)
    if total != data.shape[2]:
        raise SignkitError(f"pose header has {total} points but the data has {data.shape[2]}")
    xy = np.ma.getdata(data[:, 0, :, :2]).astype(np.float64)
    masked = np.ma.getmaskarray(data[:, 0]).any(axis=-1)
    confidence = np.asarray(pose.body.confidence[:, 0])
    valid = (confidence > 0) & ~masked & np.isfinite(xy).all(axis=-1)
    return xy, valid


@dataclass(frozen=True)
class _Layout:
    """What to draw of a pose, in image orientation but not yet fitted to the frame.

    ``xy`` (frames, points, 2) and ``valid`` (frames, points) cover all points of the header;
    ``valid`` is False for points not drawn in a frame. ``parts`` holds (first point index,
    component, style) of each drawn component and ``drawn`` (points,) the points drawn at all.
    ``face_lines`` are the (point, point) pairs of a MediaPipe face's contours and ``face``
    (128,) the header index of each :data:`~signkit.pose.layouts.FACE_POINTS` point (-1 where the
    header lacks it), or None without such a face; ``shoulders`` the header indices of MediaPipe's
    LEFT_SHOULDER and RIGHT_SHOULDER (the neck line joins their midpoint to the chin).
    """

    xy: np.ndarray
    valid: np.ndarray
    drawn: np.ndarray
    parts: list
    face_lines: list
    face: np.ndarray | None
    shoulders: tuple[int, int] | None


def _layout(pose: Pose) -> _Layout:
    header = pose.header
    layout = layout_of(header)
    xy, valid = _valid_points(pose)
    drawn = np.zeros(valid.shape[1], dtype=bool)
    parts, face_lines, face = [], [], None
    offset = 0
    for component in header.components:
        count = len(component.points)
        if component.name == _MESH_FACE and str(FACE_POINTS[-1]) in component.points:
            index = {name: offset + i for i, name in enumerate(component.points)}
            face = np.array([index.get(str(i), -1) for i in FACE_POINTS])
            for chain, closed in FACE_CONTOURS.values():
                ends = [index.get(str(i)) for i in chain]
                pairs = zip(ends, ends[1:] + ends[:1] if closed else ends[1:])
                face_lines.extend((a, b) for a, b in pairs if a is not None and b is not None)
            drawn[[i for i in face if i >= 0]] = True
        elif component.name not in _SKIPPED_COMPONENTS:
            keep = np.arange(count)
            upper = _UPPER_BODY.get(layout)
            if upper is not None and component.name == upper[0]:
                keep = np.array([i for i in upper[1] if i < count], dtype=int)
            drawn[offset + keep] = True
            parts.append((offset, component, _style(component.name)))
        offset += count
    valid &= drawn
    if is_normalised(header):
        xy[..., 0] = -xy[..., 0]
    elif layout in (HOLISTIC, OPENPOSE_137, SLRTP178):
        w, h = header.dimensions.width, header.dimensions.height
        valid &= (xy[..., 0] >= -_OUTSIDE * w) & (xy[..., 0] <= (1 + _OUTSIDE) * w)
        valid &= (xy[..., 1] >= -_OUTSIDE * h) & (xy[..., 1] <= (1 + _OUTSIDE) * h)
    if not valid.any():
        raise SignkitError("pose has no drawable point in any frame: nothing to draw")
    body = next((c for c in header.components if c.name == "POSE_LANDMARKS"), None)
    shoulders = None
    if body is not None and {"LEFT_SHOULDER", "RIGHT_SHOULDER"} <= set(body.points):
        start = component_slice(header, "POSE_LANDMARKS").start
        shoulders = (start + body.points.index("LEFT_SHOULDER"), start + body.points.index("RIGHT_SHOULDER"))
    return _Layout(xy=xy, valid=valid, drawn=drawn, parts=parts, face_lines=face_lines, face=face,
                   shoulders=shoulders)  # fmt: skip


def skeleton_pixels(pose: Pose, width: int = 512, height: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Where :func:`draw_skeleton` puts each point of person 0, in pixels of a width x height frame.

    Useful to crop drawn regions (a hand, the face) or to check a drawing.

    Returns:
        ``(pixels, drawn)``: float64 (frames, points, 2) image x, y in pixels (0 where not
        drawn), and bool (frames, points), True for the points drawn in each frame. Points are
        indexed as in the header (components in order).

    Raises:
        SignkitError: as :func:`draw_skeleton` (bad size, no frames, no drawable point, ...).
    """
    width, height = _check_size(width, height)
    layout = _layout(pose)
    return _fit(layout.xy, layout.valid, width, height), layout.valid


def draw_skeleton(pose: Pose, width: int = 512, height: int = 512,
                  background: tuple[int, int, int] = (255, 255, 255),
                  pixels: np.ndarray | None = None) -> Iterator[np.ndarray]:  # fmt: skip
    """Draw person 0 of a pose as a skeleton, one frame per pose frame.

    Limbs and joints are drawn in OpenPose's colours with OpenCV (anti-aliased ``cv2.line`` and
    ``cv2.circle`` at sub-pixel precision).

    Args:
        pose: any pose-format pose (PT-50, holistic, OpenPose-137 or a custom header);
            ``pose.body.data`` has shape (frames, people, points, dims), dims >= 2. Points with
            confidence 0, masked or non-finite are not drawn, nor are limbs touching them.
        width, height: frame size in pixels.
        background: RGB colour of the background, 0-255 each.
        pixels: where to draw each point, float (frames, points, 2) image x, y in pixels,
            instead of fitting the sequence to the frame (ControlNet's condition images, drawn
            where the signer stands in the frame); points that are not finite are not drawn.

    Yields:
        RGB uint8 frames of shape (height, width, 3). A frame without any drawable point is
        plain background. The work that does not depend on the frame is done before the first
        frame, so drawing is fast (thousands of 512x512 PT-50 frames per second).

    Raises:
        SignkitError: for a bad frame size or background, a pose with 0 frames or no person, a
            header that does not match the data, ``pixels`` of another shape than (frames,
            points, 2), or a pose with no drawable point in any frame (nothing to fit the view
            to). Raised by the call, before the first frame.
    """
    width, height = _check_size(width, height)
    background = _check_background(background)
    layout = _layout(pose)
    valid = layout.valid
    if pixels is None:
        pixels = _fit(layout.xy, valid, width, height)
    else:
        if np.shape(pixels) != layout.xy.shape:
            raise SignkitError(f"pixels have shape {np.shape(pixels)}, the pose's points {layout.xy.shape}")
        valid = valid & np.isfinite(pixels).all(axis=-1)
        pixels = np.where(valid[..., None], pixels, 0.0)
    points = np.rint(pixels * _ONE).astype(np.int64)  # cv2 fixed point: _SHIFT fraction bits
    # Per drawn component, in drawing order (hands last, on top): its limbs as
    # (point, point, RGB, thickness) and its dots as (point, RGB, fixed-point radius).
    scale = min(width, height) / 512
    parts = []
    for offset, component, style in sorted(layout.parts, key=lambda part: part[2] is _HAND):
        count = len(component.points)
        thickness = max(1, round(style.thickness * scale))
        radius = max(_ONE, round(style.radius * scale * _ONE))
        limbs = [(offset + a, offset + b, _colour(component.colors, count, b), thickness)
                 for a, b in component.limbs if style.limbs]  # fmt: skip
        dots = [(offset + i, _colour(component.colors, count, i), radius)
                for i in range(count) if layout.drawn[offset + i]]  # fmt: skip
        parts.append((limbs, dots))
    if layout.face is not None:  # drawn first, under the arms and hands
        colour = _FACE_ON_DARK if sum(background) < 384 else _FACE_ON_LIGHT
        thickness = max(1, round(_FACE_LINES.thickness * scale))
        extra, extra_valid = _nose_and_neck(pixels, valid, layout.face, layout.shoulders)
        first = points.shape[1]
        points = np.concatenate([points, np.rint(extra * _ONE).astype(np.int64)], axis=1)
        valid = np.concatenate([valid, extra_valid], axis=1)
        lines = [(a, b, colour, thickness) for a, b in [*layout.face_lines, (first, first + 1)]]
        body = max(1, round(_BODY.thickness * scale))
        lines.append((first + 2, first + 3, _NECK, body))
        parts.insert(0, (lines, []))
    blank = np.empty((height, width, 3), dtype=np.uint8)
    blank[:] = background
    return _draw(blank, points.tolist(), valid.tolist(), parts)


def _nose_and_neck(pixels: np.ndarray, valid: np.ndarray, face: np.ndarray,
                   shoulders: tuple[int, int] | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The ends of the nose line (between the inner eye corners, and the tip:
    :func:`signkit.pose.face.estimate_nose`) and of the neck line (the shoulders' midpoint, and
    the chin), in pixels (frames, 4, 2); and whether each end is there (frames, 4)."""
    from signkit.pose.face import estimate_nose

    def seen(index: np.ndarray) -> np.ndarray:
        return np.where(valid[:, index, None], pixels[:, index], np.nan)

    points = np.full((len(pixels), len(FACE_POINTS), 2), np.nan)
    points[:, face >= 0] = seen(face[face >= 0])
    inner = points[:, [FACE_POINTS.index(133), FACE_POINTS.index(362)]].mean(axis=1)
    neck = seen(np.array(shoulders)).mean(axis=1) if shoulders else np.full_like(inner, np.nan)
    ends = np.stack([inner, estimate_nose(points), neck, points[:, FACE_POINTS.index(152)]], axis=1)
    there = np.isfinite(ends).all(axis=-1)
    there[:, :2] &= there[:, :2].all(axis=1, keepdims=True)
    there[:, 2:] &= there[:, 2:].all(axis=1, keepdims=True)
    return np.where(there[..., None], ends, 0.0), there


def _draw(blank: np.ndarray, points: list, valid: list, parts: list) -> Iterator[np.ndarray]:
    import cv2

    aa = cv2.LINE_AA
    for frame_points, frame_valid in zip(points, valid):
        frame = blank.copy()
        for limbs, dots in parts:
            for a, b, colour, thickness in limbs:
                if frame_valid[a] and frame_valid[b]:
                    cv2.line(frame, frame_points[a], frame_points[b], colour, thickness, aa, _SHIFT)
            for i, colour, radius in dots:
                if frame_valid[i]:
                    cv2.circle(frame, frame_points[i], radius, colour, -1, aa, _SHIFT)
        yield frame


def _fit(xy: np.ndarray, valid: np.ndarray, width: int, height: int) -> np.ndarray:
    """Map x, y (frames, points, 2) to pixels with one uniform scale and offset for the sequence.

    The bounding box of the valid points fills the frame less the margin, centred; points that
    are not valid get 0.
    """
    chosen = xy[valid]
    low, high = chosen.min(axis=0), chosen.max(axis=0)
    extent = high - low
    room = np.array([width, height], dtype=np.float64) * (1 - 2 * MARGIN)
    ratios = [room[i] / extent[i] for i in range(2) if extent[i] > 0]
    scale = min(ratios) if ratios else 1.0
    centre = (low + high) / 2
    target = np.array([width, height], dtype=np.float64) / 2
    return np.where(valid[..., None], (xy - centre) * scale + target, 0.0)
