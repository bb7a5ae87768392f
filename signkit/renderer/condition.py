"""ControlNet's pose condition images: the signer's PT-50 skeleton in OpenPose colours on black.

ControlNet's OpenPose model (Zhang et al., 2023) is conditioned on a drawing of the skeleton on a
black background where the person stands in the target frame. signkit draws the PT-50 joints
(OpenPose BODY_25 nose, neck and arms, and both hands' 21 points) with the skeleton renderer of
``signkit render`` (:func:`signkit.renderer.skeleton.draw_skeleton`), from any layout that converts
to PT-50 (holistic, openpose-137, PT-50), in two ways:

* **Training pairs** (:func:`frame_condition`): keypoints extracted from a video frame, in that
  frame's pixels, drawn exactly where they are in the square training image. The training image
  is the frame scaled so its shorter side is the resolution and centre-cropped
  (:func:`square_frame`, diffusers' ``Resize`` then ``CenterCrop``); the keypoints go through
  the same mapping (:func:`square_pixels`).
* **Rendering** (:func:`pose_condition_images`): a pose of any scale (t2p's normalised PT-50,
  or keypoints of another video) normalised to PT-50 and placed where the training signer stood:
  :class:`Placement` holds the median neck position and shoulder width of the training frames.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from pose_format import Pose

from signkit.errors import SignkitError
from signkit.pose.layouts import PT50_LSHOULDER, PT50_NECK, PT50_RSHOULDER, pt50_header

BLACK = (0, 0, 0)


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
            pixels: (frames, 50, 2) x, y in pixels of the ``resolution`` x ``resolution`` frame,
                NaN where missing.
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


def _pt50(pose: Pose, name: str) -> tuple[Pose, np.ndarray]:
    """PT-50 pose (for its header and confidence) and its image-space points (frames, 50, 3)."""
    from signkit.pose.convert import pt50_image_points, to_pt50

    points, _ = pt50_image_points(pose, name)
    return to_pt50(pose, name), points


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
        frame, and the PT-50 points drawn, float64 (frames, 50, 2) pixels (NaN where missing),
        for :meth:`Placement.of`.

    Raises:
        SignkitError: a layout without PT-50 conversion, no frame showing both shoulders, or no
            drawable point.
    """
    pt50, points = _pt50(pose, name)
    pixels = square_pixels(points, width, height, resolution)
    return draw(pt50, pixels, resolution), pixels


def pose_condition_images(pose: Pose, resolution: int, placement: Placement, name: str = "pose") -> Iterator[np.ndarray]:
    """Condition images of a pose of any scale, normalised to PT-50 and placed as ``placement`` says.

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
    from signkit.pose.convert import normalise_pt50

    pt50, points = _pt50(pose, name)
    try:
        normalised = normalise_pt50(points)  # neck at 0, shoulder width 1/3, x and z negated
    except SignkitError as error:
        raise SignkitError(f"{name}: {error}") from None
    image = normalised[..., :2].astype(np.float64) * np.array([-1.0, 1.0])  # x back to the image's right
    neck = np.array([placement.neck_x, placement.neck_y]) * resolution
    pixels = neck + image * (3 * placement.shoulder_width * resolution)
    return draw(pt50, pixels, resolution)


def draw(pt50: Pose, pixels: np.ndarray, resolution: int) -> Iterator[np.ndarray]:
    """The PT-50 skeleton at ``pixels`` on black, ``resolution`` pixels square.

    Args:
        pt50: a PT-50 pose (Progressive Transformers' layout), for its header and confidence.
        pixels: (frames, 50, 2) x, y in pixels of the square; not finite where not drawn.
        resolution: the square's side in pixels.

    Returns:
        An iterator of RGB uint8 (resolution, resolution, 3) images, drawn lazily by
        :func:`signkit.renderer.skeleton.draw_skeleton`.

    Raises:
        SignkitError: a pose that is not PT-50, or as :func:`draw_skeleton` (``pixels`` of another
            shape, no drawable point).
    """
    from signkit.renderer.skeleton import draw_skeleton

    if [c.name for c in pt50.header.components] != [c.name for c in pt50_header().components]:
        raise SignkitError("condition images are drawn from PT-50 poses")
    return draw_skeleton(pt50, resolution, resolution, background=BLACK, pixels=pixels)
