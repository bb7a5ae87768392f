"""Subtitles to timed signing: SRT and WebVTT cues, each cue's signing at its cue (signkit t2p talk.srt)."""

from __future__ import annotations

import math
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_error, example_script, rest_frame, signkit
from signkit.errors import SignkitError
from signkit.pose.io import read_sequences
from signkit.pose.sequence import person0
from signkit.pipelines.timeline import align
from signkit.text.subtitles import Cue, read_subtitles
from signkit.video import read_frames

FPS = 25
RECIPE = Path(__file__).resolve().parents[1] / "examples" / "subtitles"
sample = example_script(RECIPE / "sample.py")
SLOWEST, FASTEST = 0.75, 1.5  # the documented speed bounds of a cue's signing (README, signkit t2p --help)


def _cue_frames(srt: str) -> list[tuple[int, int]]:
    """Each cue's first and end frame at 25 fps, read here from the SRT text's timing lines."""
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)", srt)
    seconds = [(3600 * int(h) + 60 * int(m) + int(s) + int(ms) / 1000 for h, m, s, ms in (t[:4], t[4:])) for t in stamps]
    return [(round(start * FPS), round(end * FPS)) for start, end in seconds]


def _clips(lines: list[str], folder: Path, *options: str) -> list[np.ndarray]:
    """Each line's own signing, made by `t2p` from the lines as plain text (no timeline)."""
    (folder / "lines.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = signkit("t2p", str(folder / "lines.txt"), *options, "-o", str(folder / "lines.h5"))
    assert result.returncode == 0, result.stderr.decode()
    return [person0(s.pose)[0] for s in read_sequences(folder / "lines.h5")]


def _on_cues(clips: list[np.ndarray], cues: list[tuple[int, int]]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The programme as documented, built here without signkit: cue i's signing (``clips[i]``) starts on the cue's
    first frame, or where the signing before it ends if that is later; it is stretched by linear interpolation to
    end on the cue's end frame, at 0.75x to 1.5x its own speed (the nearest bound when the cue asks for more); the
    rest pose before, between and after the signing, up to the last cue's end. Returns the points and each cue's
    signing as (first frame, frames)."""
    placed, cursor = [], 0
    for clip, (first, end) in zip(clips, cues):
        start = max(first, cursor)
        frames = min(max(end - start, math.ceil(len(clip) / FASTEST)), math.floor(len(clip) / SLOWEST))
        placed.append((start, frames))
        cursor = start + frames
    points = np.repeat(rest_frame(clips[0].shape[1])[None], max(cursor, cues[-1][1]), axis=0)
    for clip, (start, frames) in zip(clips, placed):
        flat = clip.reshape(len(clip), -1)
        where = np.linspace(0, len(clip) - 1, frames)
        stretched = [np.interp(where, np.arange(len(clip)), column) for column in flat.T]
        points[start : start + frames] = np.stack(stretched, axis=-1).reshape(frames, *clip.shape[1:])
    return points, placed


def test_srt_of_ten_how2sign_sentences_signs_each_cue_at_its_start(data, tmp_path):
    sentences = [line for line in (data / "how2sign-text" / "test.en.txt").read_text().splitlines()
                 if 3 <= len(line.split()) <= 8][:10]  # fmt: skip
    text, _ = sample.srt(sentences)
    (tmp_path / "talk.srt").write_text(text, encoding="utf-8")
    lexicon = str(data / "asl-lexicon")
    result = signkit("t2p", str(tmp_path / "talk.srt"), "--lexicon", lexicon, "-o", str(tmp_path / "talk.pose"))
    assert result.returncode == 0, result.stderr.decode()
    produced = list(read_sequences(tmp_path / "talk.pose"))
    assert len(produced) == 1 and produced[0].fps == FPS and produced[0].name == "talk"
    # the same sentences as plain lines give each cue's own clip; laid on the cues as documented they are the output
    cues = _cue_frames(text)
    assert len(cues) == 10 and cues[0] == (25, 25 + round(max(1.5, len(sentences[0].split()) / 2.5) * FPS))
    expected, placed = _on_cues(_clips(sentences, tmp_path, "--lexicon", lexicon), cues)
    points = person0(produced[0].pose)[0]
    assert points.shape == expected.shape and np.allclose(points, expected, atol=1e-5)
    stderr = result.stderr.decode()
    for number, ((first, end), (start, frames)) in enumerate(zip(cues, placed), start=1):
        assert start == first  # the pauses leave room: every cue's signing starts on its cue
        # fingerspelling outlasts speech: signing runs into the pause after its cue, reported
        assert (f"cue {number}: its signing needs" in stderr) == (start + frames > end)
    assert any(start + frames > end for (_, end), (start, frames) in zip(cues, placed)) and "starts" not in stderr
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


def test_webvtt_file_on_the_command_line_signs_each_cue_at_its_time(tmp_path):
    """A .vtt file through `t2p`: its markup gone, each cue's signing at its time (frames by hand: 1.0 s and
    12.04 s are frames 25 and 301 at 25 fps), the same programme as the SRT file of the same cues."""
    vtt = ("WEBVTT\n\nNOTE two cues\n\n00:01.000 --> 00:02.480 align:start\n<v Roger>hello</v>\n\n"
           "intro\n00:00:12.040 --> 00:00:14.000\n<i>thank</i> <b>you</b>\n")  # fmt: skip
    srt = "1\n00:00:01,000 --> 00:00:02,480\nhello\n\n2\n00:00:12,040 --> 00:00:14,000\nthank you\n"
    (tmp_path / "talk.vtt").write_text(vtt, encoding="utf-8")
    (tmp_path / "talk.srt").write_text(srt, encoding="utf-8")
    for kind in ("vtt", "srt"):  # .h5 keeps the text
        result = signkit("t2p", str(tmp_path / f"talk.{kind}"), "-o", str(tmp_path / f"{kind}.h5"))
        assert result.returncode == 0, result.stderr.decode()
    from_vtt, from_srt = (next(read_sequences(tmp_path / f"{kind}.h5")) for kind in ("vtt", "srt"))
    assert from_vtt.text == "hello | thank you" and from_vtt.fps == FPS
    assert _cue_frames(srt) == [(25, 62), (301, 350)]
    expected, placed = _on_cues(_clips(["hello", "thank you"], tmp_path), _cue_frames(srt))
    assert [start for start, _ in placed] == [25, 301]
    points = person0(from_vtt.pose)[0]
    assert points.shape == expected.shape and np.allclose(points, expected, atol=1e-5)
    assert np.array_equal(points, person0(from_srt.pose)[0])


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
    # the three cues with text at their frames (1 s = 25 frames), the late second cue after the first one's signing
    clips = _clips(["hello", "thank you", "caf\xe9 please"], tmp_path, "--lexicon", lexicon)
    expected, placed = _on_cues(clips, [(25, 75), (50, 100), (175, 200)])
    assert placed[1][0] > 50 and f"cue 2: starts {(placed[1][0] - 50) / FPS:.2f} s late" in stderr
    points = person0(next(read_sequences(tmp_path / "messy.pose")).pose)[0]
    assert points.shape == expected.shape and np.allclose(points, expected, atol=1e-5)


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
