"""Video I/O: MP4 to files and pipes and back, odd sizes, PNG frames, bad input."""

import io
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from signkit.errors import SignkitError
from signkit.pose.layouts import pt50_header
from signkit.pose.sequence import make_pose
from signkit.renderer.skeleton import draw_skeleton
from signkit.video import read_frames, write_png_frames, write_video

ROOT = Path(__file__).resolve().parents[1]


def _frames(count: int, width: int = 64, height: int = 48) -> list[np.ndarray]:
    """White frames with a coloured square moving to the right."""
    frames = []
    for i in range(count):
        frame = np.full((height, width, 3), 255, dtype=np.uint8)
        frame[10:30, 2 * i : 2 * i + 20] = (200, 30, 60)
        frames.append(frame)
    return frames


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b) ** 2)
    return 10 * np.log10(255**2 / error)


def test_faststart_file_round_trip(tmp_path):
    path = tmp_path / "out.mp4"
    source = _frames(20)
    with path.open("wb") as file:
        assert write_video(source, file, 29.97, fragmented=False) == 20
    data = path.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # index first: plays while downloading
    frames, fps = read_frames(path)
    frames = list(frames)
    assert fps == pytest.approx(29.97, abs=1e-3)
    assert len(frames) == 20
    assert all(f.shape == (48, 64, 3) and f.dtype == np.uint8 for f in frames)
    assert min(_psnr(a, b) for a, b in zip(source, frames)) > 30
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"


_PIPE_SCRIPT = """
import sys
import numpy as np
from signkit.video import write_video
assert not sys.stdout.buffer.seekable()
frames = (np.full((32, 48, 3), 10 * i, dtype=np.uint8) for i in range(12))
count = write_video(frames, sys.stdout.buffer, 25, fragmented=True)
print(count, file=sys.stderr)
"""


def test_fragmented_mp4_to_a_pipe_decodes():
    result = subprocess.run([sys.executable, "-c", _PIPE_SCRIPT], cwd=ROOT, capture_output=True, check=True)
    assert result.stderr.decode().strip() == "12"
    data = result.stdout
    assert b"moof" in data and data.find(b"moov") < data.find(b"moof")
    with av.open(io.BytesIO(data)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(frames) == 12 and frames[0].shape == (32, 48, 3)
    assert abs(int(frames[-1].mean()) - 110) <= 3  # the last frame, grey 110, came through


def test_odd_size_is_padded_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    source = _frames(5, width=33, height=21)
    with path.open("wb") as file:
        assert write_video(source, file, 25, fragmented=False) == 5
    frames = list(read_frames(path)[0])
    assert len(frames) == 5 and frames[0].shape == (22, 34, 3)
    assert _psnr(frames[0][:21, :33], source[0]) > 30
    assert np.abs(frames[0][:21, 33].astype(int) - source[0][:, 32]).max() < 40  # a copy of the edge


def test_real_skeleton_video_round_trip(data, tmp_path):
    skels = data / "phoenix14t" / "sample" / "dev.skels"
    values = np.array(skels.read_text(encoding="utf-8").splitlines()[0].split(), dtype=np.float32)
    pose = make_pose(pt50_header(), values.reshape(-1, 151)[:, :150].reshape(-1, 50, 3), None, 25.0)
    path = tmp_path / "skeleton.mp4"
    with path.open("wb") as file:
        count = write_video(draw_skeleton(pose, 256, 256), file, 25.0, fragmented=False)
    assert count == len(pose.body.data)
    frames, fps = read_frames(path)
    decoded = list(frames)
    assert fps == 25.0 and len(decoded) == count
    drawn = list(draw_skeleton(pose, 256, 256))
    assert min(_psnr(a, b) for a, b in zip(drawn, decoded)) > 25  # thin coloured lines lose chroma


def test_png_frames_round_trip(tmp_path):
    source = _frames(12)
    assert write_png_frames(source, tmp_path) == 12
    assert (tmp_path / "frame_000001.png").exists() and (tmp_path / "frame_000012.png").exists()
    frames, fps = read_frames(tmp_path)
    frames = list(frames)
    assert fps is None
    assert len(frames) == 12 and all(np.array_equal(a, b) for a, b in zip(source, frames))


def test_png_frames_sorted_by_number(tmp_path):
    source = _frames(3)
    write_png_frames(source, tmp_path)
    (tmp_path / "frame_000002.png").rename(tmp_path / "frame_10.png")  # would sort first by name
    frames = list(read_frames(tmp_path)[0])
    assert np.array_equal(frames[0], source[0]) and np.array_equal(frames[2], source[1])


def test_bad_frames_raise(tmp_path):
    with (tmp_path / "a.mp4").open("wb") as file:
        with pytest.raises(SignkitError, match="no frames"):
            write_video([], file, 25, fragmented=False)
        with pytest.raises(SignkitError, match="frame 2: shape"):
            mixed = [np.zeros((8, 8, 3), np.uint8), np.zeros((8, 10, 3), np.uint8)]
            write_video(mixed, file, 25, fragmented=True)
        with pytest.raises(SignkitError, match="frame 1: expected RGB uint8"):
            write_video([np.zeros((8, 8, 3), np.float32)], file, 25, fragmented=False)
        with pytest.raises(SignkitError, match="frame rate"):
            write_video(_frames(2), file, 0, fragmented=False)
    with pytest.raises(SignkitError, match="no frames"):
        write_png_frames([], tmp_path)
    with pytest.raises(SignkitError, match="no such folder"):
        write_png_frames(_frames(1), tmp_path / "missing")


def test_unreadable_inputs_raise(tmp_path):
    missing = tmp_path / "missing.mp4"
    with pytest.raises(SignkitError, match="missing.mp4"):
        read_frames(missing)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video at all" * 10)
    with pytest.raises(SignkitError, match="garbage.mp4"):
        read_frames(garbage)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SignkitError, match="no PNG frames"):
        read_frames(empty)
