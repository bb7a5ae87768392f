"""signkit frnet: SignDiff's FR-Net images, pixel for pixel OpenCV's adaptive threshold and erosion.

Inputs are decoded here by PyAV and OpenCV, outputs read back the same way: signkit's own
reader is not part of the reference.
"""

from __future__ import annotations

import io

import av
import cv2
import numpy as np
import pytest

from conftest import assert_error, signkit
from signkit.errors import SignkitError
from signkit.renderer.frnet import FRNetConfig, frnet

PHOENIX = "videos/phoenix14t-frames/09April_2010_Friday_tagesschau-7631"  # 132 PNG frames of 210 x 260


def _opencv(frame: np.ndarray, block: int = 11, constant: float = 8, kernel: int = 5) -> np.ndarray:
    """The FR-Net image of an RGB frame by OpenCV's own calls (the defaults: SignDiff's)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, constant)
    return cv2.erode(binary, np.ones((kernel, kernel), np.uint8))


def _video(source) -> tuple[list[np.ndarray], float]:
    """The RGB frames and the frame rate of a video file or of MP4 bytes, decoded by PyAV."""
    with av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as container:
        rate = float(container.streams.video[0].average_rate)
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)], rate


def _pngs(folder) -> list[np.ndarray]:
    """The PNG frames of a folder in name order, read by OpenCV as RGB."""
    return [cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB) for path in sorted(folder.glob("*.png"))]


def _agreement(decoded: np.ndarray, reference: np.ndarray) -> float:
    """The share of pixels of an FR-Net image decoded from H.264 on the same side of mid-grey as OpenCV's."""
    return float(np.mean((cv2.cvtColor(decoded, cv2.COLOR_RGB2GRAY) > 127) == (reference == 255)))


def test_frnet_command_equals_opencv_on_a_real_video(data, tmp_path):
    video = data / "videos" / "asl_house.mp4"
    result = signkit("frnet", str(video), "-o", str(tmp_path / "fr"), "--to", "png")
    assert result.returncode == 0, result.stderr.decode()
    frames, _ = _video(video)
    written = sorted((tmp_path / "fr").glob("frame_*.png"))
    assert len(written) == len(frames) == 73
    for index in (0, 36, 72):
        ours = cv2.imread(str(written[index]), cv2.IMREAD_GRAYSCALE)
        assert np.array_equal(ours, _opencv(frames[index]))
        assert set(np.unique(ours)) <= {0, 255}
    # a silhouette: mostly white background, the dark outlines a minority of pixels
    dark = np.mean([cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) == 0 for p in written[::10]])
    assert 0.03 < dark < 0.4


def test_frnet_command_options_change_the_image_as_stated(data, tmp_path):
    folder = data / PHOENIX
    result = signkit("frnet", str(folder), "--block-size", "21", "--constant", "3", "--kernel", "1", "-o",
                     str(tmp_path / "fr"), "--to", "png")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    frames, written = _pngs(folder), _pngs(tmp_path / "fr")
    assert len(written) == len(frames) == 132  # one image a frame
    for ours, frame in zip(written, frames):
        assert np.array_equal(ours[..., 0], _opencv(frame, 21, 3, 1))
    # the options count: without erosion (kernel 1) the dark outlines are thinner than SignDiff's 5
    assert np.mean(written[0][..., 0] == 0) < np.mean(_opencv(frames[0]) == 0)


def test_frnet_options_change_the_image_as_stated(data):
    frame = _video(data / "videos" / "asl_house.mp4")[0][0]
    image = frnet(frame, FRNetConfig(block_size=21, constant=3, kernel=1))
    assert image.shape == frame.shape and (image[..., 0] == image[..., 2]).all()
    assert np.array_equal(image[..., 0], _opencv(frame, 21, 3, 1))
    # erosion shrinks the white regions
    white = [(frnet(frame, FRNetConfig(kernel=kernel))[..., 0] == 255).sum() for kernel in (5, 1)]
    assert white[0] < white[1]


def test_frnet_to_mp4_on_standard_output(data):
    folder = data / PHOENIX
    result = signkit("frnet", str(folder))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout[4:8] == b"ftyp"
    decoded, rate = _video(result.stdout)
    frames = _pngs(folder)
    assert len(decoded) == len(frames) == 132 and rate == 25  # PNG frames have no rate: 25
    assert all(image.shape == (260, 210, 3) for image in decoded)
    # H.264 blurs the sharp black-and-white edges a little, but 99% of the pixels stay on OpenCV's
    # side of mid-grey (measured: every one)
    assert min(_agreement(image, _opencv(frame)) for image, frame in zip(decoded[::10], frames[::10])) > 0.99


def test_frnet_mp4_has_the_video_rate_or_fps(data, tmp_path):
    video = data / "videos" / "autsl_signer0_sample1000.mp4"  # 43 frames of 512 x 512 at 30 per second
    frames, _ = _video(video)
    for options, expected in (((), 30), (("--fps", "12"), 12)):
        result = signkit("frnet", str(video), *options, "-o", str(tmp_path / "fr.mp4"))
        assert result.returncode == 0, result.stderr.decode()
        decoded, rate = _video(tmp_path / "fr.mp4")
        assert len(decoded) == 43 and decoded[0].shape == (512, 512, 3) and rate == expected
    assert _agreement(decoded[20], _opencv(frames[20])) > 0.99  # as above: measured every pixel


def test_frnet_bad_input(tmp_path):
    assert_error(signkit("frnet", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "x.mp4")), "missing.mp4")
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    assert_error(signkit("frnet", str(tmp_path / "bad.mp4"), "-o", str(tmp_path / "x.mp4")), "bad.mp4")
    assert not (tmp_path / "x.mp4").exists()
    result = signkit("frnet", str(tmp_path / "bad.mp4"), "--block-size", "10")
    assert result.returncode == 2 and b"--block-size" in result.stderr and result.stdout == b""
    with pytest.raises(SignkitError, match="RGB uint8"):
        frnet(np.zeros((4, 4), np.uint8))
    with pytest.raises(SignkitError, match="odd"):
        FRNetConfig(block_size=4)
