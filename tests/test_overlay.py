"""signkit render --overlay: the signer picture-in-picture on a programme, its sound kept."""

from __future__ import annotations

import av
import numpy as np

from conftest import assert_error, signkit
from signkit.video import read_frames


def _with_sound(source, target) -> int:
    """``source``'s frames with a 440 Hz tone as AAC beside them; the frame count."""
    with av.open(str(source)) as inp:
        rate = inp.streams.video[0].average_rate
        frames = [frame.to_ndarray(format="rgb24") for frame in inp.decode(video=0)]
    with av.open(str(target), "w") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        sound = out.add_stream("aac", rate=44100)
        sound.layout = "mono"
        for number, frame in enumerate(frames):
            picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
            picture.pts = number
            out.mux(video.encode(picture))
        out.mux(video.encode(None))
        samples = int(len(frames) / float(rate) * 44100)
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 44100)).astype(np.float32)
        for start in range(0, samples, 1024):
            chunk = av.AudioFrame.from_ndarray(tone[None, start : start + 1024], format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 44100, start
            out.mux(sound.encode(chunk))
        out.mux(sound.encode(None))
    return len(frames)


def _streams(path) -> dict:
    with av.open(str(path)) as container:
        return {s.type: (s.codec_context.name, float(s.duration * s.time_base)) for s in container.streams}


def test_overlay_keeps_the_programme_its_length_and_its_sound(data, tmp_path):
    programme = tmp_path / "programme.mp4"
    frames = _with_sound(data / "videos" / "signer_test_video.mp4", programme)
    pose = str(data / "asl-lexicon" / "ase" / "hello.pose")
    result = signkit("render", pose, "--overlay", str(programme), "--corner", "top-left", "--overlay-size", "0.25",
                     "-o", str(tmp_path / "out.mp4"))  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    ours, theirs = _streams(tmp_path / "out.mp4"), _streams(programme)
    assert ours["video"][0] == "h264" and ours["audio"][0] == "aac"
    assert abs(ours["video"][1] - theirs["video"][1]) < 1e-3 and abs(ours["audio"][1] - theirs["audio"][1]) < 0.1
    composite = list(read_frames(tmp_path / "out.mp4")[0])
    source = list(read_frames(programme)[0])
    assert len(composite) == frames and composite[0].shape == source[0].shape == (720, 540, 3)
    corner = np.abs(composite[20][30:170, 16:150].astype(int) - source[20][30:170, 16:150]).mean()
    rest = np.abs(composite[20][400:, 300:].astype(int) - source[20][400:, 300:]).mean()
    assert corner > 20 and rest < 3  # the signer in the top-left corner, the programme elsewhere


def test_overlay_of_a_silent_video_and_bad_requests(data, tmp_path):
    pose = str(data / "asl-lexicon" / "ase" / "hello.pose")
    silent = data / "videos" / "signer_test_video.mp4"
    result = signkit("render", pose, "--overlay", str(silent), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 0, result.stderr.decode()
    assert set(_streams(tmp_path / "out.mp4")) == {"video"}
    with av.open(str(silent)) as programme, av.open(str(tmp_path / "out.mp4")) as out:
        # the programme's length (58 frames) and frame rate (359/12 per second)
        assert out.streams.video[0].average_rate == programme.streams.video[0].average_rate
        assert sum(1 for _ in out.decode(video=0)) == sum(1 for _ in programme.decode(video=0)) == 58
    usage = signkit("render", pose, "--overlay", str(silent), "--to", "png", "-o", str(tmp_path / "png"))
    assert usage.returncode == 2 and b"--to" in usage.stderr and not (tmp_path / "png").exists()
    usage = signkit("render", pose, "--overlay", str(silent), "--corner", "middle")
    assert usage.returncode == 2 and b"--corner" in usage.stderr and usage.stdout == b""
    missing = signkit("render", pose, "--overlay", str(tmp_path / "none.mp4"), "-o", str(tmp_path / "x.mp4"))
    assert_error(missing, "none.mp4")
    assert not (tmp_path / "x.mp4").exists()
