"""The embedded default t2p on the real lexicons, and the main job end to end."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np

from conftest import signkit
from signkit.lexicons.stitch import prepare_clip
from signkit.pose.io import read_sequences
from signkit.pose.formats import read_skels

MAX_STEP = 0.12  # largest per-frame move of any joint, normalised units (shoulder width 1/3)


def _glosses(stderr: bytes) -> list[list[str]]:
    return [line.split(": ", 1)[1].split() for line in stderr.decode().splitlines() if line.startswith("<stdin>:")]


def _sequences(stdout: bytes):
    return list(read_skels(stdout.decode(), "<stdout>"))


def test_hello_is_fingerspelled_with_the_builtin_alphabet():
    result = signkit("t2p", "-v", input="hello\n")
    assert result.returncode == 0, result.stderr
    assert _glosses(result.stderr) == [["HELLO"]]
    (sequence,) = _sequences(result.stdout)
    points = sequence.pose.body.data[:, 0].filled(np.nan)
    assert np.isfinite(points).all()
    assert np.abs(np.diff(points, axis=0)).max() < MAX_STEP
    # Five letters, each at most 0.32 s, plus rests and transitions.
    assert 5 * 3 < sequence.frames < 5 * 25


def test_sentence_with_lexicon_signs_and_fingerspells_only_what_is_missing(data):
    lexicon = str(data / "asl-lexicon")
    sentence = "Hello, thank you. My mother is happy today.\n"
    result = signkit("t2p", "-v", "--lexicon", lexicon, input=sentence)
    assert result.returncode == 0, result.stderr
    assert _glosses(result.stderr) == [["HELLO", "THANK-YOU", "MY", "MOTHER", "HAPPY", "TODAY"]]
    from signkit.lexicons.lexicon import Lexicon, builtin_lexicon_path
    from signkit.lexicons.pipeline import Signer

    plan = Signer(Lexicon.read([data / "asl-lexicon", builtin_lexicon_path()])).plan(
        ["HELLO", "THANK-YOU", "MY", "MOTHER", "HAPPY", "TODAY"], "test")
    assert [e.gloss for e in plan] == ["HELLO", "THANK-YOU", "M", "Y", "MOTHER", "HAPPY", "TODAY"]
    assert all(e.path.parent.parent == data / "asl-lexicon" for e in plan if not e.is_letter)
    (sequence,) = _sequences(result.stdout)
    assert np.abs(np.diff(sequence.pose.body.data[:, 0], axis=0)).max() < MAX_STEP


def test_lexicon_from_environment(data):
    result = signkit("t2p", "-v", input="thank you\n", env={"SIGNKIT_LEXICON": str(data / "asl-lexicon")})
    assert result.returncode == 0 and _glosses(result.stderr) == [["THANK-YOU"]]


def test_from_gloss():
    result = signkit("t2p", "--from", "gloss", "-v", input="HI ME\n")
    assert result.returncode == 0 and _glosses(result.stderr) == [["HI", "ME"]]


def test_how2sign_lines_in_lines_out(data, tmp_path):
    text = data / "how2sign-text" / "test.en.txt"
    command = f"head -n 200 {text} | {sys.executable} -m signkit t2p --lexicon {data / 'asl-lexicon'}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 200
    sequences = _sequences(result.stdout)
    assert len(sequences) == 200 and all(s.frames > 0 for s in sequences)


def test_outputs_pose_and_h5(tmp_path):
    signkit("t2p", "-o", str(tmp_path / "two.h5"), input="hello\nyes\n")
    sequences = list(read_sequences(tmp_path / "two.h5"))
    assert [s.text for s in sequences] == ["hello", "yes"] and [s.gloss for s in sequences] == ["HELLO", "YES"]
    signkit("t2p", "-o", str(tmp_path / "one.pose"), input="hello\n")
    assert next(read_sequences(tmp_path / "one.pose")).fps == 25.0
    assert_two_for_pose = signkit("t2p", "-o", str(tmp_path / "x.pose"), input="a\nb\n")
    assert assert_two_for_pose.returncode == 1 and not (tmp_path / "x.pose").exists()


def test_main_job_makes_a_playable_video(tmp_path):
    import av

    out = tmp_path / "hello.mp4"
    command = f"echo hello | {sys.executable} -m signkit t2p | {sys.executable} -m signkit render > {out}"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    frames = signkit("t2p", input="hello\n")
    expected = _sequences(frames.stdout)[0].frames
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (512, 512)
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert len(decoded) == expected
    assert all((frame < 200).any() for frame in decoded)  # a signer is drawn in every frame
    content = out.read_bytes()  # redirected to a file: faststart, the index before the media
    assert -1 < content.find(b"moov") < content.find(b"mdat") and b"moof" not in content


def test_render_to_a_pipe_is_fragmented(tmp_path):
    out = tmp_path / "piped.mp4"
    command = f"echo hello | {sys.executable} -m signkit t2p | {sys.executable} -m signkit render | cat > {out}"
    assert subprocess.run(["bash", "-c", command], timeout=300).returncode == 0
    content = out.read_bytes()
    assert content.find(b"moov") < content.find(b"moof") < content.find(b"mdat")


def test_render_background_and_png_frames(data, tmp_path):
    skels = data / "phoenix14t" / "sample" / "dev.skels"
    result = signkit("render", str(skels), "-o", str(tmp_path / "frames"), "--to", "png", "--size", "320x240",
                     "--background", "#102030")  # fmt: skip
    assert result.returncode == 0, result.stderr
    import cv2

    files = sorted((tmp_path / "frames").glob("frame_*.png"))
    total = sum(s.frames for s in read_sequences(skels))
    assert len(files) == total and files[0].name == "frame_000001.png"
    first = cv2.cvtColor(cv2.imread(str(files[0])), cv2.COLOR_BGR2RGB)
    assert first.shape == (240, 320, 3) and tuple(first[0, 0]) == (0x10, 0x20, 0x30)
    white = signkit("render", str(skels), "-o", str(tmp_path / "w"), "--to", "png")
    assert white.returncode == 0 and tuple(cv2.imread(str(tmp_path / "w" / "frame_000001.png"))[0, 0]) == (255, 255, 255)
    assert signkit("render", str(skels), "--background", "mauve-ish").returncode == 2


def test_clip_with_a_short_body_dropout_is_complete(data):
    sequence = next(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    points = sequence.pose.body.data[:, 0].filled(np.nan)
    points[5:8, :8] = np.nan  # the body tracker lost three frames
    points[:, 8:29] = np.nan  # one hand never tracked: that arm rests
    clip = prepare_clip(points, 25.0, 25.0)
    assert np.isfinite(clip).all()


def test_lexicon_path_with_a_space(data, tmp_path):
    folder = tmp_path / "my lexicon"
    shutil.copytree(data / "asl-lexicon", folder)
    result = signkit("t2p", "-v", input="thank you\n", env={"SIGNKIT_LEXICON": str(folder)})
    assert result.returncode == 0, result.stderr
    assert b"THANK-YOU" in result.stderr
