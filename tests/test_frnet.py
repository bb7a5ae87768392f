"""signkit frnet: SignDiff's FR-Net images, pixel for pixel OpenCV's adaptive threshold and erosion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import assert_error, signkit
from signkit.errors import SignkitError
from signkit.renderer.frnet import FRNetConfig, frnet
from signkit.video import read_frames


def _opencv(frame: np.ndarray, block: int, constant: float, kernel: int) -> np.ndarray:
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, constant)
    return cv2.erode(binary, np.ones((kernel, kernel), np.uint8))


def test_frnet_command_equals_opencv_on_a_real_video(data, tmp_path):
    video = data / "videos" / "asl_house.mp4"
    result = signkit("frnet", str(video), "-o", str(tmp_path / "fr"), "--to", "png")
    assert result.returncode == 0, result.stderr.decode()
    frames = list(read_frames(video)[0])
    written = sorted((tmp_path / "fr").glob("frame_*.png"))
    assert len(written) == len(frames) == 73
    for index in (0, 36, 72):
        ours = cv2.imread(str(written[index]), cv2.IMREAD_GRAYSCALE)
        assert np.array_equal(ours, _opencv(frames[index], 11, 8, 5))
        assert set(np.unique(ours)) <= {0, 255}
    # a silhouette: mostly white background, the dark outlines a minority of pixels
    dark = np.mean([cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) == 0 for p in written[::10]])
    assert 0.03 < dark < 0.4


def test_frnet_options_change_the_image_as_stated(data):
    frame = next(read_frames(data / "videos" / "asl_house.mp4")[0])
    image = frnet(frame, FRNetConfig(block_size=21, constant=3, kernel=1))
    assert image.shape == frame.shape and (image[..., 0] == image[..., 2]).all()
    assert np.array_equal(image[..., 0], _opencv(frame, 21, 3, 1))
    # erosion shrinks the white regions
    assert (frnet(frame, FRNetConfig(kernel=5))[..., 0] == 255).sum() < (frnet(frame, FRNetConfig(kernel=1))[..., 0] == 255).sum()


def test_frnet_to_mp4_on_standard_output(data):
    result = signkit("frnet", str(data / "videos" / "phoenix14t-frames" / "09April_2010_Friday_tagesschau-7631"))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout[4:8] == b"ftyp"


def test_frnet_bad_input(tmp_path):
    assert_error(signkit("frnet", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "x.mp4")), "missing.mp4")
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    assert_error(signkit("frnet", str(tmp_path / "bad.mp4"), "-o", str(tmp_path / "x.mp4")), "bad.mp4")
    assert not (tmp_path / "x.mp4").exists()
    assert signkit("frnet", str(tmp_path / "bad.mp4"), "--block-size", "10").returncode == 2
    with pytest.raises(SignkitError, match="RGB uint8"):
        frnet(np.zeros((4, 4), np.uint8))
    with pytest.raises(SignkitError, match="odd"):
        FRNetConfig(block_size=4)
