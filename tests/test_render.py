"""signkit render's frame rate, size and background (skeleton style), read back with PyAV.

The diffusion style's options (--seed, --preset, --frnet) are tested in test_diffusion.py, beside
the renderer trained there.
"""

from __future__ import annotations

import av
import numpy as np
import pytest
from pose_format import Pose

from conftest import signkit
from signkit.pose.layouts import pt50_header
from signkit.pose.sequence import make_pose
from signkit.renderer.skeleton import draw_skeleton


def _mp4(path) -> tuple[np.ndarray, float, float]:
    """The RGB frames of an MP4, its frame rate and its duration in seconds, read by PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
        return frames, float(stream.average_rate), float(stream.duration * stream.time_base)


def test_render_fps_sets_the_rate_the_poses_are_read_at(data, tmp_path):
    pose = data / "asl-lexicon" / "ase" / "hello.pose"
    header = Pose.read(pose.read_bytes()).body
    count, own = len(header.data), header.fps  # 51 frames at 29.97 per second
    for options, rate in (((), own), (("--fps", "10"), 10.0)):
        result = signkit("render", str(pose), *options, "--size", "64x64", "-o", str(tmp_path / "out.mp4"))
        assert result.returncode == 0, result.stderr.decode()
        frames, written, duration = _mp4(tmp_path / "out.mp4")
        # every pose frame once, at the rate asked for, so the video lasts the frames' time
        assert frames.shape == (count, 64, 64, 3) == (51, 64, 64, 3)
        assert written == pytest.approx(rate, abs=0.01) and duration == pytest.approx(count / rate, abs=1e-3)


def test_render_skels_at_25_fps_in_the_size_and_background_asked_for(data, tmp_path):
    line = (data / "phoenix14t" / "sample" / "dev.skels").read_text(encoding="utf-8").splitlines()[0]
    values = np.array(line.split(), dtype=np.float32).reshape(-1, 151)  # 50 joints x XYZ, then a counter
    skels = tmp_path / "one.skels"
    skels.write_text(line + "\n")
    output = tmp_path / "out.mp4"
    result = signkit("render", str(skels), "--size", "320x240", "--background", "black", "-o", str(output))
    assert result.returncode == 0, result.stderr.decode()
    frames, rate, duration = _mp4(output)
    assert frames.shape == (len(values), 240, 320, 3) == (42, 240, 320, 3)
    assert rate == 25 and duration == pytest.approx(42 / 25)  # .skels stores no rate: 25, PHOENIX14T's
    # the drawing of these poses at that size on black, through H.264: PSNR above 25 dB, as for the
    # thin coloured lines of test_video.py (measured 31 dB); the corners are black
    pose = make_pose(pt50_header(), values[:, :150].reshape(-1, 50, 3), None, 25.0)
    drawn = np.stack(list(draw_skeleton(pose, 320, 240, background=(0, 0, 0))))
    assert 10 * np.log10(255**2 / np.mean((frames.astype(float) - drawn) ** 2)) > 25
    assert frames[:, :20, :20].max() < 3 and frames[:, -20:, -20:].max() < 3  # measured 0
