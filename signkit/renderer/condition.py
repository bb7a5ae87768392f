"""ControlNet's pose condition images: the signer's PT-50 skeleton in OpenPose colours and the face's
contours on black.

ControlNet's OpenPose model (Zhang et al., 2023) is conditioned on a drawing of the skeleton on a
black background where the person stands in the target frame (its face variant adds the face).
signkit draws the PT-50 joints (OpenPose BODY_25 nose, neck and arms, and both hands' 21 points)
and, where the pose has one, the face as light lines along its contours (face outline, brows,
eyes, nose, lips with the mouth opening) with the skeleton renderer of ``signkit render``
(:func:`signkit.renderer.skeleton.draw_skeleton`), from any layout that converts to PT-50
(holistic, openpose-137, slrtp178, PT-50), in two ways:

* **Training pairs** (:func:`frame_condition`): keypoints extracted from a video frame, in that
  frame's pixels, drawn exactly where they are in the square training image. The training image
  is the frame scaled so its shorter side is the resolution and centre-cropped
  (:func:`square_frame`, diffusers' ``Resize`` then ``CenterCrop``); the keypoints go through
  the same mapping (:func:`square_pixels`).
* **Rendering** (:func:`pose_condition_images`): a pose of any scale (t2p's normalised PT-50 or
  slrtp178, or keypoints of another video) normalised to PT-50's convention and placed where the
  training signer stood: :class:`Placement` holds the median neck position and shoulder width of
  the training frames.

Points are in signkit's full order without hips (:mod:`signkit.pose.convert`): PT-50's 50, then
the 128 face points.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from pose_format import Pose
from pose_format.pose_header import PoseHeader

from signkit.errors import SignkitError
from signkit.pose.layouts import (
    FACE_LIMBS,
    FACE_POINTS,
    FULL_FACE,
    PT50_LSHOULDER,
    PT50_NECK,
    PT50_RSHOULDER,
    pt50_header,
)

BLACK = (0, 0, 0)
# What the condition images show, kept with training pairs so that pairs drawn otherwise are not reused.
DRAWING = "pt50 + face contours"


def square_frame(frame: np.ndarray, resolution: int) -> np.ndarray:
    """A frame scaled so its shorter side is ``resolution`` pixels, then centre-cropped to a square.

    Args:
        frame: RGB uint8 (height, width, 3).
        resolution: the side of the square, in pixels.

    Returns:
        RGB uint8 (resolution, resolution, 3); area interpolation when shrinking, bicubic when
        enlarging.
    """
    import cv2

    height, width = frame.shape[:2]
    scale = resolution / min(width, height)
    size = (max(resolution, round(width * scale)), max(resolution, round(height * scale)))
    scaled = cv2.resize(frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    left, top = (size[0] - resolution) // 2, (size[1] - resolution) // 2
    return np.ascontiguousarray(scaled[top : top + resolution, left : left + resolution])


def square_pixels(points: np.ndarray, width: int, height: int, resolution: int) -> np.ndarray:
    """Map pixel positions of a ``width`` x ``height`` frame into its :func:`square_frame`.

    Args:
        points: (..., 2) x, y in the source frame's pixels.
        width, height: the source frame's size in pixels.
        resolution: the side of the square, in pixels.

    Returns:
        (..., 2) float64 x, y in the square's pixels (NaN stays NaN).
    """
    scale = resolution / min(width, height)
    size = np.array([max(resolution, round(width * scale)), max(resolution, round(height * scale))])
    offset = (size - resolution) // 2
    return np.asarray(points, dtype=np.float64)[..., :2] * scale - offset


@dataclass(frozen=True)
class Placement:
    """Where the signer stands in the training frames, as fractions of the frame side.

    Attributes:
        neck_x, neck_y: the neck's position (0-1 from the left and the top).
        shoulder_width: the distance between the shoulders in the image plane (a fraction of
            the frame side).
    """

    neck_x: float = 0.5
    neck_y: float = 0.4
    shoulder_width: float = 0.3

    @classmethod
    def of(cls, pixels: np.ndarray, resolution: int) -> Placement:
        """The median placement of PT-50 points in a square frame.

        Args:
            pixels: (frames, points, 2) x, y in pixels of the ``resolution`` x ``resolution``
                frame, PT-50's points first, NaN where missing.
            resolution: the square's side in pixels.

        Returns:
            The median neck position and shoulder width over the frames that show both.

        Raises:
            SignkitError: no frame shows the neck and both shoulders.
        """
        neck = pixels[:, PT50_NECK]
        width = np.linalg.norm(pixels[:, PT50_RSHOULDER] - pixels[:, PT50_LSHOULDER], axis=-1)
        seen = np.isfinite(neck).all(axis=-1) & np.isfinite(width) & (width > 0)
        if not seen.any():
            raise SignkitError("no frame shows the neck and both shoulders; cannot place the signer")
        x, y = np.median(neck[seen], axis=0) / resolution
        return cls(neck_x=float(x), neck_y=float(y), shoulder_width=float(np.median(width[seen]) / resolution))


def condition_header() -> PoseHeader:
    """The header of what condition images draw: PT-50's components, then ``FACE_LANDMARKS`` (the
    128 face points named by MediaPipe mesh index, limbs along their contours)."""
    from pose_format.pose_header import PoseHeaderComponent

    header = pt50_header()
    face = PoseHeaderComponent(name="FACE_LANDMARKS", points=[str(i) for i in FACE_POINTS], limbs=FACE_LIMBS,
                               colors=[(255, 255, 255)], point_format="XYZC")  # fmt: skip
    header.components.append(face)
    return header


def _points(pose: Pose, name: str) -> tuple[Pose, np.ndarray]:
    """The pose to draw (:func:`condition_header`; for its header and confidence) and its
    image-space points, (frames, 178, 3), NaN where missing."""
    from signkit.pose.convert import image_points, normalise_pt50
    from signkit.pose.sequence import make_pose

    points, confidence = image_points(pose, name)
    points, confidence = points[:, : FULL_FACE.stop], confidence[:, : FULL_FACE.stop]
    return make_pose(condition_header(), normalise_pt50(points, name), confidence, pose.body.fps), points


def frame_condition(pose: Pose, width: int, height: int, resolution: int, name: str = "pose") -> tuple[Iterator[np.ndarray], np.ndarray]:
    """Condition images of keypoints extracted from a ``width`` x ``height`` video, drawn where
    they are in its :func:`square_frame` frames.

    Args:
        pose: holistic or openpose-137 keypoints in the video's pixels (frames, people, points, dims).
        width, height: the video frame size in pixels.
        resolution: the square's side in pixels.
        name: names the pose in errors.

    Returns:
        ``(images, pixels)``: lazily drawn RGB uint8 (resolution, resolution, 3) images, one a
        frame, and the points drawn (PT-50's, then the face's), float64 (frames, 178, 2) pixels
        (NaN where missing), for :meth:`Placement.of`.

    Raises:
        SignkitError: a layout without PT-50 conversion, no frame showing both shoulders, or no
            drawable point.
    """
    drawn, points = _points(pose, name)
    pixels = square_pixels(points, width, height, resolution)
    return draw(drawn, pixels, resolution), pixels


def pose_condition_images(pose: Pose, resolution: int, placement: Placement, name: str = "pose") -> Iterator[np.ndarray]:
    """Condition images of a pose of any scale, normalised to PT-50's convention and placed as
    ``placement`` says.

    Args:
        pose: any layout that converts to PT-50 (frames, people, points, dims).
        resolution: the square's side in pixels.
        placement: the neck position and shoulder width to draw at.
        name: names the pose in errors.

    Yields:
        RGB uint8 (resolution, resolution, 3), one a frame.

    Raises:
        SignkitError: a layout without PT-50 conversion, no frame showing both shoulders, or no
            drawable point.
    """
    drawn, _ = _points(pose, name)
    normalised = drawn.body.data[:, 0].filled(np.nan)  # neck at 0, shoulder width 1/3, x and z negated
    image = normalised[..., :2].astype(np.float64) * np.array([-1.0, 1.0])  # x back to the image's right
    neck = np.array([placement.neck_x, placement.neck_y]) * resolution
    pixels = neck + image * (3 * placement.shoulder_width * resolution)
    return draw(drawn, pixels, resolution)


def draw(pose: Pose, pixels: np.ndarray, resolution: int) -> Iterator[np.ndarray]:
    """The skeleton and face at ``pixels`` on black, ``resolution`` pixels square.

    Args:
        pose: a pose of :func:`condition_header`, for its header and confidence.
        pixels: (frames, 178, 2) x, y in pixels of the square; not finite where not drawn.
        resolution: the square's side in pixels.

    Returns:
        An iterator of RGB uint8 (resolution, resolution, 3) images, drawn lazily by
        :func:`signkit.renderer.skeleton.draw_skeleton`.

    Raises:
        SignkitError: a pose of another header, or as :func:`draw_skeleton` (``pixels`` of
            another shape, no drawable point).
    """
    from signkit.renderer.skeleton import draw_skeleton

    if [c.name for c in pose.header.components] != [c.name for c in condition_header().components]:
        raise SignkitError("condition images are drawn from PT-50 and face points (condition_header)")
    return draw_skeleton(pose, resolution, resolution, background=BLACK, pixels=pixels)
