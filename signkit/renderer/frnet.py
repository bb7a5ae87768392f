"""FR-Net, SignDiff's Frame Reinforcement Network: a frame turned into a binary silhouette image.

SignDiff (Fang et al., 2023, section 3.3) conditions its ControlNet on a second image beside the
pose drawing: the frame reduced to black and white by adaptive thresholding (each pixel compared
with a threshold computed from its own neighbourhood, so uneven lighting does not matter), then
eroded with a 5 x 5 kernel, which shrinks the white regions and thickens the dark outlines of the
body, hands and face: a dense, DensePose-like picture of the signer's shape that the bones of a
skeleton do not give.

The paper gives the kernel only. The local threshold here is the Gaussian-weighted mean of an
11 x 11 neighbourhood (OpenCV's tutorial block size) less 8 grey levels: with OpenCV's tutorial
constant of 2, the compression noise of a textured background (``asl_house.mp4``) and of
PHOENIX14T's frames turns into speckle; at 8 the background is clean and the outlines of the
face, arms and fingers stay (compared by eye on those clips, constants 2 to 10). The same function makes the training pairs (from the real frames)
and the inference conditions (from the previous generated frame), so both see the same images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from signkit.errors import SignkitError

if TYPE_CHECKING:  # numpy and OpenCV load when a frame is made, not when the options are read
    import numpy as np


@dataclass(frozen=True)
class FRNetConfig:
    """FR-Net's parameters.

    Attributes:
        block_size: side of the square neighbourhood whose Gaussian-weighted mean is each pixel's
            threshold, in pixels; odd, at least 3.
        constant: subtracted from the local mean before comparing (grey levels, 0-255 scale);
            larger keeps more pixels white.
        kernel: side of the square erosion kernel, in pixels (SignDiff: 5); at least 1 (1: no
            erosion).

    Raises:
        SignkitError: on construction, a block size that is even or below 3, or a kernel below 1.
    """

    block_size: int = 11
    constant: float = 8.0
    kernel: int = 5

    def __post_init__(self):
        if self.block_size < 3 or self.block_size % 2 == 0:
            raise SignkitError(f"FR-Net block size must be an odd number of pixels >= 3, got {self.block_size}")
        if self.kernel < 1:
            raise SignkitError(f"FR-Net kernel must be at least 1 pixel, got {self.kernel}")


def frnet(frame: np.ndarray, config: FRNetConfig = FRNetConfig()) -> np.ndarray:
    """The FR-Net image of one frame.

    Args:
        frame: RGB uint8 (height, width, 3), pixels.
        config: block size, constant and kernel.

    Returns:
        RGB uint8 (height, width, 3), every pixel 0 or 255 (the three channels equal): the
        frame's luma (OpenCV's RGB2GRAY, BT.601 weights) through
        ``cv2.adaptiveThreshold(ADAPTIVE_THRESH_GAUSSIAN_C, THRESH_BINARY)`` then
        ``cv2.erode`` with a ``kernel`` x ``kernel`` square of ones, once.

    Raises:
        SignkitError: a frame that is not RGB uint8.
    """
    import cv2
    import numpy as np

    if not (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3):
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise SignkitError(f"FR-Net needs RGB uint8 frames (height, width, 3), got {got}")
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY,
                                   config.block_size, config.constant)  # fmt: skip
    eroded = cv2.erode(binary, np.ones((config.kernel, config.kernel), np.uint8))
    return cv2.cvtColor(eroded, cv2.COLOR_GRAY2RGB)


def frnet_frames(frames: Iterable[np.ndarray], config: FRNetConfig = FRNetConfig(),
                 where: str = "frames") -> Iterator[np.ndarray]:  # fmt: skip
    """:func:`frnet` of each frame, lazily; an error names ``where`` and the frame number (from 1).

    Args:
        frames: RGB uint8 arrays (height, width, 3).
        config: block size, constant and kernel.
        where: the input's name, for messages.

    Yields:
        RGB uint8 (height, width, 3) binary images, every pixel 0 or 255.

    Raises:
        SignkitError: a frame that is not RGB uint8 (``WHERE: frame N: ...``).
    """
    for number, frame in enumerate(frames, start=1):
        try:
            yield frnet(frame, config)
        except SignkitError as error:
            raise SignkitError(f"{where}: frame {number}: {error}") from None
