"""Subtitles to timed signing: SRT and WebVTT cues, each cue's signing at its cue (signkit t2p talk.srt)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_error, example_script, signkit
from signkit.errors import SignkitError
from signkit.pose.io import read_sequences
from signkit.pose.sequence import person0
from signkit.pipelines.timeline import align
from signkit.text.subtitles import Cue, read_subtitles
from signkit.video import read_frames

FPS = 25
RECIPE = Path(__file__).resolve().parents[1] / "examples" / "subtitles"
sample = example_script(RECIPE / "sample.py")


def test_srt_of_ten_how2sign_sentences_signs_each_cue_at_its_start(data, tmp_path):
    sentences = [line for line in (data / "how2sign-text" / "test.en.txt").read_text().splitlines()
                 if 3 <= len(line.split()) <= 8][:10]  # fmt: skip
    text, times = sample.srt(sentences)
    (tmp_path / "talk.srt").write_text(text, encoding="utf-8")
    lexicon = str(data / "asl-lexicon")
    result = signkit("t2p", str(tmp_path / "talk.srt"), "--lexicon", lexicon, "-o", str(tmp_path / "talk.pose"))
    assert result.returncode == 0, result.stderr.decode()
    produced = list(read_sequences(tmp_path / "talk.pose"))
    assert len(produced) == 1 and produced[0].fps == FPS and produced[0].name == "talk"
    # the same sentences as plain lines give each cue's own clip; laid on the cues they must be the output
    (tmp_path / "lines.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    assert signkit("t2p", str(tmp_path / "lines.txt"), "--lexicon", lexicon, "-o", str(tmp_path / "lines.h5")).returncode == 0
    clips = [person0(s.pose)[0] for s in read_sequences(tmp_path / "lines.h5")]
    cues = [Cue(number=i + 1, line=0, start=a, end=b, text=s) for i, ((a, b), s) in enumerate(zip(times, sentences))]
    expected, placed = align(clips, cues, FPS)
    points = person0(produced[0].pose)[0]
    assert points.shape == expected.shape and np.allclose(points, expected, equal_nan=True, atol=1e-5)
    # the video lasts until the last cue's end, plus that cue's overrun
    assert len(points) == round(times[-1][1] * FPS) + placed[-1].overrun
    stderr = result.stderr.decode()
    for cue, where in zip(cues, placed):
        assert abs(where.start - cue.start * FPS) <= 1 and not where.late  # within one frame of the cue's start
        # fingerspelling outlasts speech: signing runs into the pause after its cue, reported
        assert (f"cue {cue.number}: its signing needs" in stderr) == (where.overrun > 0)
        assert 0.75 - 1e-6 <= where.speed <= 1.5 + 1e-6
    assert any(where.overrun for where in placed) and "starts" not in stderr
    # the rendered video has one frame per pose frame
    video = signkit("render", str(tmp_path / "talk.pose"), "--size", "64x64", "-o", str(tmp_path / "talk.mp4"))
    assert video.returncode == 0, video.stderr.decode()
    assert sum(1 for _ in read_frames(tmp_path / "talk.mp4")[0]) == len(points)


def test_align_fits_clips_to_their_cues_within_the_speed_bounds():
    rest = np.zeros((1, 2, 3))
    clip = np.concatenate([rest, np.ones((18, 2, 3)), rest])  # 20 frames
    cues = [Cue(1, 1, 1.0, 1.8, "a"), Cue(2, 5, 2.0, 4.0, "b"), Cue(3, 9, 4.1, 4.2, "c")]
    points, placed = align([clip, clip, clip], cues, 25.0)
    assert [p.start for p in placed] == [25, 50, 102]
    assert placed[0].frames == 20 and placed[0].overrun == 0  # 20 frames fill its 20-frame cue
    assert placed[1].frames == 26 and placed[1].speed == pytest.approx(20 / 26)  # slowed to 0.77x, not to 50 frames
    assert placed[2].frames == 14 and placed[2].overrun == 11 and placed[2].late == 0  # 1.5x, then runs over
    assert len(points) == 116 and (points[:25] == 0).all() and (points[76:102] == 0).all()  # rest before and between
    _, shifted = align([clip, clip], [Cue(1, 1, 0.0, 0.2, "a"), Cue(2, 5, 0.3, 1.0, "b")], 25.0)
    assert shifted[1].start == 14 and shifted[1].late == 6
    with pytest.raises(SignkitError, match="2 signing clips for 3 cues"):
        align([clip, clip], cues, 25.0)


def test_webvtt_cues_lose_their_markup_and_keep_milliseconds():
    text = ("WEBVTT - a talk\n\nNOTE written by hand\n\nintro\n00:01.250 --> 00:03.500 align:start\n"
            "<v Roger>Hello <b>there</b> &amp; welcome\n<i>to the show</i>\n\n"
            "00:00:04.040 --> 00:00:06.000\nSecond cue\n")  # fmt: skip
    cues = read_subtitles(text.encode(), "talk.vtt")
    assert [(c.start, c.end, c.text) for c in cues] == [(1.25, 3.5, "Hello there & welcome to the show"),
                                                         (4.04, 6.0, "Second cue")]  # fmt: skip
    srt = "1\n00:00:01,000 --> 00:00:02,500\n{\\an8}<i>Up here</i>\n\n2\n00:00:03,000 --> 00:00:04,000\nDown\n"
    assert [c.text for c in read_subtitles(srt.encode(), "x.srt")] == ["Up here", "Down"]


def test_malformed_subtitles_are_named_never_a_crash(data, tmp_path):
    lexicon = str(data / "asl-lexicon")
    bad_time = "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n00:00:xx,000 --> 00:00:05,000\nthank you\n"
    (tmp_path / "bad.srt").write_text(bad_time)
    assert_error(signkit("t2p", str(tmp_path / "bad.srt"), "--lexicon", lexicon, "-o", str(tmp_path / "bad.pose")),
                 "bad.srt:6: cue 2: bad timestamp")  # fmt: skip
    assert not (tmp_path / "bad.pose").exists()
    backwards = "1\n00:00:03,000 --> 00:00:02,000\nhello\n"
    (tmp_path / "backwards.srt").write_text(backwards)
    assert_error(signkit("t2p", str(tmp_path / "backwards.srt"), "--lexicon", lexicon), "backwards.srt:2: cue 1: ends at 2.000 s")
    (tmp_path / "empty.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\n\n\n")
    empty = signkit("t2p", str(tmp_path / "empty.srt"), "--lexicon", lexicon)
    assert empty.returncode == 1 and empty.stdout == b""
    assert empty.stderr.decode().splitlines()[-1].endswith("empty.srt: no subtitle cues with text")
    assert "empty.srt:2: cue 1: empty; left out" in empty.stderr.decode()
    untimed = "1\nhello there\n"
    (tmp_path / "untimed.srt").write_text(untimed)
    assert_error(signkit("t2p", str(tmp_path / "untimed.srt"), "--lexicon", lexicon), "cue 1: no timing line")
    # warnings, and the signing is still made: an overlap, an empty cue, Windows-1252 text
    messy = ("1\n00:00:01,000 --> 00:00:03,000\nhello\n\n2\n00:00:02,000 --> 00:00:04,000\nthank you\n\n"
             "3\n00:00:05,000 --> 00:00:06,000\n<i></i>\n\n4\n00:00:07,000 --> 00:00:08,000\ncaf\xe9 please\n")  # fmt: skip
    (tmp_path / "messy.srt").write_bytes(messy.encode("cp1252"))
    result = signkit("t2p", str(tmp_path / "messy.srt"), "--lexicon", lexicon, "-o", str(tmp_path / "messy.pose"))
    assert result.returncode == 0, result.stderr.decode()
    stderr = result.stderr.decode()
    assert "messy.srt:15: not UTF-8 (byte 0xe9)" in stderr
    assert "messy.srt:6: cue 2: starts at 2.000 s, before cue 1 ends" in stderr
    assert "messy.srt:10: cue 3: empty; left out" in stderr
    assert "Traceback" not in stderr
    assert next(read_sequences(tmp_path / "messy.pose")).frames >= 8 * FPS


def test_subtitles_recipe_converts_a_folder_in_parallel(data, tmp_path):
    """make sample: three SRT files of real How2Sign sentences, the third beside a programme video."""
    result = subprocess.run(["make", "-s", "-j", "2", "-C", str(RECIPE), "sample", f"OUT={tmp_path}", f"DATA={data}",
                             f"SIGNKIT={shlex.quote(sys.executable)} -m signkit", f"PYTHON={shlex.quote(sys.executable)}"],
                            capture_output=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    folder = tmp_path / "sample"
    assert sorted(p.name for p in folder.glob("*.srt")) == ["programme-1.srt", "programme-2.srt", "programme-3.srt"]
    for name in ("programme-1", "programme-2"):
        pose = next(read_sequences(folder / f"{name}-asl.pose"))
        frames, fps = read_frames(folder / f"{name}-asl.mp4")
        frames = list(frames)
        assert len(frames) == pose.frames and frames[0].shape == (360, 360, 3) and fps == FPS
    overlaid = list(read_frames(folder / "programme-3-asl.mp4")[0])
    assert len(overlaid) == 58 and overlaid[0].shape == (720, 540, 3)  # the programme's length and size
