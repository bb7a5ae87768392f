"""The embedded default t2p on the real lexicons, and the main job end to end."""

from __future__ import annotations

import csv
import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from pose_format import Pose

from conftest import rest_frame, signkit
from signkit.lexicons.stitch import prepare_clip
from signkit.pose.io import read_sequences
from signkit.pose.formats import read_skels
from signkit.pose.motion import REST_POSE, transition

# Largest per-frame move of any joint, normalised units (shoulder width 1/3): real signing's per-sentence largest
# moves (the 32 DGS Corpus sentences at 25 fps) have median 0.09, 90th percentile 0.15 and maximum 0.30; a join
# without a transition jumps by the distance between two signs, up to about 0.6.
MAX_STEP = 0.2
# spoken-to-signed's ASL fingerspelling alphabet, the built-in lexicon, read here without signkit
ALPHABET = Path(importlib.util.find_spec("spoken_to_signed").origin).parent / "assets" / "fingerspelling_lexicon"
# The stitching's documented durations (signkit.lexicons.stitch, signkit.pose.motion): a rest hold of 0.4 s at each
# end, a letter at most 0.32 s and a sign at most 0.48 s, a transition of 2 frames to 0.6 s between any two of them;
# the low-pass covers the signing between the rest holds, which stay exact.
REST_SECONDS, LETTER_SECONDS, SIGN_SECONDS, TRANSITION_SECONDS = 0.4, 0.32, 0.48, 0.6


def _glosses(stderr: bytes) -> list[list[str]]:
    return [line.split(": ", 1)[1].split() for line in stderr.decode().splitlines() if line.startswith("<stdin>:")]


def _sequences(stdout: bytes):
    return list(read_skels(stdout.decode(), "<stdout>"))


def _letter_frames(letter: str, fps: float) -> int:
    """Frames of one fingerspelled letter at ``fps`` as documented, from its clip in the alphabet read with
    pose-format: its active span (frames where a wrist is above its elbow, MediaPipe's POSE_LANDMARKS) capped
    at 0.32 s."""
    with (ALPHABET / "index.csv").open(newline="", encoding="utf-8") as file:
        (row,) = [row for row in csv.DictReader(file) if row["signed_language"] == "ase" and row["glosses"] == letter]
    pose = Pose.read((ALPHABET / row["path"]).read_bytes())
    names = pose.header.components[0].points
    height = pose.body.data[:, 0, :, 1]  # image y, down
    active = np.zeros(len(height), bool)
    for side in ("LEFT", "RIGHT"):
        wrist, elbow = names.index(f"{side}_WRIST"), names.index(f"{side}_ELBOW")
        active |= np.ma.filled(height[:, wrist] < height[:, elbow], False)
    span = np.flatnonzero(active)
    return round(min((span[-1] - span[0] + 1) / pose.body.fps, LETTER_SECONDS) * fps)


def _rest_at_both_ends(points: np.ndarray, fps: float, atol: float) -> None:
    """The documented rest hold at each end: ``0.4 s * fps`` frames of the rest pose (REST_POSE, or REST_FACE in
    slrtp178 with the face) at the start and at the end, and no other frame at rest but the one next to each hold (a
    minimum-jerk transition starts as t^3: its first in-between frame can move less than ``atol``)."""
    held = round(REST_SECONDS * fps)
    at_rest = np.abs(points - rest_frame(points.shape[1])).max(axis=(1, 2)) <= atol
    assert at_rest[:held].all() and at_rest[-held:].all(), np.flatnonzero(~at_rest)[[0, -1]]
    assert not at_rest[held + 1 : -held - 1].any(), np.flatnonzero(at_rest[held + 1 : -held - 1]) + held + 1


def test_rest_pose_is_the_documented_phoenix_frame(data):
    """REST_POSE, the rest and reference signer of every stitched sequence, is what signkit.pose.motion says it is:
    PHOENIX14T sample test.skels line 2, frame 1 (150 values then the counter), read as plain text."""
    line = (data / "phoenix14t" / "sample" / "test.skels").read_text(encoding="utf-8").splitlines()[1].split()
    frame = np.array(line[:151], dtype=np.float64)
    assert frame[150] == 0.0  # the counter: the first frame
    assert np.allclose(REST_POSE, frame[:150].reshape(50, 3), atol=1e-5)  # REST_POSE has 5 decimals


@pytest.mark.parametrize("fps", [25, 50])
def test_hello_is_fingerspelled_with_the_builtin_alphabet(tmp_path, fps):
    """`t2p` with no lexicon fingerspells HELLO; ``--fps`` sets the frame rate and every documented duration in
    frames; the sequence holds the rest pose at both ends."""
    result = signkit("t2p", "-v", *(["--fps", str(fps)] if fps != 25 else []), "-o", str(tmp_path / "hello.pose"),
                     input="hello\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _glosses(result.stderr) == [["HELLO"]]
    (sequence,) = read_sequences(tmp_path / "hello.pose")
    assert sequence.fps == fps  # 25 without --fps
    points = sequence.pose.body.data[:, 0].filled(np.nan)
    assert np.isfinite(points).all()
    assert np.abs(np.diff(points, axis=0)).max() < MAX_STEP
    # the rest holds, the five letters of the alphabet's clips, and six transitions of 2 frames to 0.6 s each
    fixed = 2 * round(REST_SECONDS * fps) + sum(_letter_frames(letter, fps) for letter in "HELLO")
    assert fixed + 6 * 2 <= sequence.frames <= fixed + 6 * round(TRANSITION_SECONDS * fps), (fixed, sequence.frames)
    _rest_at_both_ends(points, fps, atol=1e-6)  # float32 in the .pose file


@pytest.mark.parametrize("fps", [25, 50])
def test_the_documented_durations_in_frames(fps):
    """Each documented duration exactly, in frames at ``fps`` (the HELLO bounds above leave room for a
    few frames either way): a clip lasts what it lasts, a letter at most 0.32 s, a sign at most 0.48 s; a
    transition lasts ``0.10 s + wrist travel / 0.9 units per s``, 2 frames at least, 0.6 s at most."""
    held = lambda seconds: np.repeat(REST_POSE[None], round(seconds * 25), axis=0)  # noqa: E731  a clip at 25 fps
    lengths = {(seconds, letter): len(prepare_clip(held(seconds), 25.0, float(fps), letter=letter))
               for seconds in (0.2, 2.0) for letter in (False, True)}  # fmt: skip
    assert lengths == {(0.2, False): round(0.2 * fps), (0.2, True): round(0.2 * fps), (2.0, False): round(0.48 * fps),
                       (2.0, True): round(0.32 * fps)}  # fmt: skip
    wrists = [4, 7]  # PT-50's right and left wrist
    moved = lambda travel: REST_POSE + np.isin(np.arange(50), wrists)[:, None] * [travel, 0, 0]  # noqa: E731
    counts = {travel: len(transition(REST_POSE, moved(travel), float(fps))) for travel in (0.0, 0.24, 3.0)}
    # 0.10 s + 0 s (2 frames at 25 fps); 0.10 s + 0.267 s; 0.10 s + 3.33 s, past the 0.6 s cap
    assert counts == {0.0: max(2, round(0.10 * fps)), 0.24: round((0.10 + 0.24 / 0.9) * fps), 3.0: round(0.6 * fps)}


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


def test_the_low_pass_keeps_signing_and_cuts_what_is_faster_without_lag():
    """low_pass at its measured 7 Hz is scipy's Butterworth run forwards and backwards (the same coefficients as
    scipy.signal.butter; scipy.signal.filtfilt's output away from the ends): a 1 Hz movement passes (within 1%), a
    10 Hz tremor on it is cut to under 7% of its amplitude, and a pulse keeps its peak on its frame (zero phase)."""
    from scipy.signal import butter, filtfilt

    from signkit.pose.motion import LOW_PASS_HZ, LOW_PASS_ORDER, butterworth, low_pass

    assert LOW_PASS_HZ == 7.0
    for order, cutoff in ((LOW_PASS_ORDER, LOW_PASS_HZ / 12.5), (2, 0.3), (1, 0.5), (6, 0.1)):
        assert np.allclose(butterworth(order, cutoff), butter(order, cutoff), rtol=1e-12, atol=1e-15)
    walk = np.cumsum(np.random.default_rng(0).normal(size=(300, 4, 3)), axis=0)
    reference = filtfilt(*butter(LOW_PASS_ORDER, LOW_PASS_HZ / 12.5), walk, axis=0)
    assert np.abs(low_pass(walk, 25.0) - reference)[20:-20].max() < 1e-4 * np.abs(walk).max()
    time = np.arange(250) / 25
    slow, fast = np.sin(2 * np.pi * 1.0 * time), np.sin(2 * np.pi * 10.0 * time)
    filtered = low_pass((slow + fast)[:, None, None], 25.0)[25:-25, 0, 0]
    assert np.abs(filtered - slow[25:-25]).max() < 0.07
    assert np.abs(low_pass(slow[:, None, None], 25.0)[25:-25, 0, 0] - slow[25:-25]).max() < 0.01
    pulse = np.exp(-0.5 * ((np.arange(60) - 30) / 3.0) ** 2)[:, None, None]
    assert int(np.argmax(low_pass(pulse, 25.0)[:, 0, 0])) == 30


def test_an_excerpt_runs_from_the_first_sign_to_the_last():
    """stitch(rest=False), as the real DGS Corpus sentences are cut: the first clip's first frame to the last clip's
    last, joined by one transition; no rest hold."""
    from signkit.lexicons.stitch import stitch

    first = np.repeat((REST_POSE + 0.2)[None], 10, axis=0)
    last = np.repeat((REST_POSE - 0.1)[None], 8, axis=0)
    excerpt = stitch([first, last], 25.0, rest=False)
    assert len(excerpt) == 10 + 8 + len(transition(first[-1], last[0], 25.0))
    assert np.allclose(excerpt[0], first[0], atol=1e-4) and np.allclose(excerpt[-1], last[-1], atol=1e-4)
    assert len(stitch([first, last], 25.0)) > len(excerpt) + 2 * round(REST_SECONDS * 25)


def _frame_range(glosses: list[str], fps: float = 25.0) -> tuple[int, int]:
    """The fewest and most frames the documented durations allow for a line of ``glosses``: each gloss a sign or
    spelled (a digit by its English name, at most 5 letters), at least one entry of one frame; a transition
    before every entry and before the closing rest."""
    rest, letter, sign, transition = (round(seconds * fps) for seconds in (REST_SECONDS, LETTER_SECONDS, SIGN_SECONDS,
                                                                            TRANSITION_SECONDS))  # fmt: skip
    longest = 0
    for gloss in glosses:
        spelled = sum(letter + transition if c.isalpha() else 5 * (letter + transition) for c in gloss if c.isalnum())
        longest += max(sign + transition, spelled)
    return 2 * rest + 2 + len(glosses) * (1 + 2), 2 * rest + transition + longest


def test_how2sign_lines_in_lines_out(data, tmp_path):
    text = data / "how2sign-text" / "test.en.txt"
    count = 200
    # PT-50: this is about lines; the face (3.5 times the values to write as .skels text) is test_face's
    command = (f"head -n {count} {text} | {sys.executable} -m signkit t2p -v --layout pt50 "
               f"--lexicon {data / 'asl-lexicon'}")  # fmt: skip
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == count
    sequences = _sequences(result.stdout)
    assert len(sequences) == count
    # -v names each line by its number, as written (line 100 too: not rich's :100: emoji)
    numbered = [line.split(": ", 1) for line in result.stderr.decode().splitlines() if line.startswith("<stdin>")]
    assert [where for where, _ in numbered] == [f"<stdin>:{number}" for number in range(1, count + 1)]
    glosses = [line.split() for _, line in numbered]
    for sequence, line in zip(sequences, glosses):
        fewest, most = _frame_range(line)
        assert fewest <= sequence.frames <= most, (sequence.name, line, sequence.frames)
        _rest_at_both_ends(sequence.pose.body.data[:, 0].filled(np.nan), 25, atol=1e-5)  # .skels: 5 decimals


def test_outputs_pose_and_h5(tmp_path):
    """Several lines to one .h5; a .pose holds one sequence (one .pose at 25 fps: the hello test)."""
    signkit("t2p", "-o", str(tmp_path / "two.h5"), input="hello\nyes\n")
    sequences = list(read_sequences(tmp_path / "two.h5"))
    assert [s.text for s in sequences] == ["hello", "yes"] and [s.gloss for s in sequences] == ["HELLO", "YES"]
    assert_two_for_pose = signkit("t2p", "-o", str(tmp_path / "x.pose"), input="a\nb\n")
    assert assert_two_for_pose.returncode == 1 and not (tmp_path / "x.pose").exists()


def _boxes(content: bytes) -> list[str]:
    """The types of an MP4 file's top-level boxes in order (ISO/IEC 14496-12: a 32-bit big-endian size, 1 for a
    64-bit size after the type, 0 to the end of the file, then a 4-character type); they must tile the file."""
    boxes, at = [], 0
    while at < len(content):
        size, kind = struct.unpack(">I4s", content[at : at + 8])
        size = struct.unpack(">Q", content[at + 8 : at + 16])[0] if size == 1 else size or len(content) - at
        assert size >= 8, (at, size)
        boxes.append(kind.decode("latin-1"))
        at += size
    assert at == len(content)
    return boxes


@pytest.fixture(scope="module")
def hello_frames() -> int:
    """The number of frames `signkit t2p` makes of "hello", which a video of it must have."""
    result = signkit("t2p", input="hello\n")
    assert result.returncode == 0, result.stderr
    return _sequences(result.stdout)[0].frames


def test_main_job_makes_a_playable_video(tmp_path, hello_frames):
    out = tmp_path / "hello.mp4"
    command = f"echo hello | {sys.executable} -m signkit t2p | {sys.executable} -m signkit render > {out}"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (512, 512)
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert len(decoded) == hello_frames
    assert all((frame < 200).any() for frame in decoded)  # a signer is drawn in every frame
    # redirected to a file: faststart, the index (moov) before the media (mdat), no fragments
    assert [box for box in _boxes(out.read_bytes()) if box != "free"] == ["ftyp", "moov", "mdat"]


def test_render_to_a_pipe_is_fragmented(tmp_path, hello_frames):
    out = tmp_path / "piped.mp4"
    command = f"echo hello | {sys.executable} -m signkit t2p | {sys.executable} -m signkit render | cat > {out}"
    assert subprocess.run(["bash", "-c", command], timeout=300).returncode == 0
    # fragmented: the header (moov) first, then fragments, each an index (moof) then its media (mdat), then
    # optionally the fragments' random-access index (mfra)
    boxes = _boxes(out.read_bytes())
    fragments = boxes[2:-1] if boxes[-1] == "mfra" else boxes[2:]
    assert boxes[:2] == ["ftyp", "moov"] and fragments and fragments == ["moof", "mdat"] * (len(fragments) // 2)
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == hello_frames


def test_render_background_and_png_frames(data, tmp_path):
    skels = data / "phoenix14t" / "sample" / "dev.skels"
    result = signkit("render", str(skels), "-o", str(tmp_path / "frames"), "--to", "png", "--size", "320x240",
                     "--background", "#102030")  # fmt: skip
    assert result.returncode == 0, result.stderr
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


def test_a_dgs_gloss_the_lexicon_lacks_is_a_pause_in_the_neutral_signing_space(data, tmp_path):
    """DGS Corpus glosses are German names with annotation markers, not words a DGS signer spells: a gloss the
    lexicon lacks is a pause of HOLD_SECONDS (4 frames at 25 fps) in the neutral signing space, the mean of every
    prepared frame of the lexicon's signs, reached by a transition; spelling XQZW letter by letter added 58 frames."""
    from signkit.lexicons.lexicon import Lexicon
    from signkit.lexicons.pipeline import HOLD_SECONDS, Signer

    assert signkit("lexicon", str(data / "dgs-sentences" / "train"), "-o", str(tmp_path / "dgs")).returncode == 0
    signer = Signer(Lexicon.read([tmp_path / "dgs"], signed_language="gsg"), spell=False, rest=False)
    neutral = np.concatenate([signer.clip(entry) for entry in signer.lexicon.entries]).mean(axis=0)
    assert np.allclose(signer.neutral(), neutral)
    hold = round(HOLD_SECONDS * 25)
    wasser = signer.sign(["WASSER3B"], "-")
    paused = signer.sign(["WASSER3B", "XQZW"], "-")
    assert hold == 4 and len(wasser) + hold + 2 <= len(paused) <= len(wasser) + hold + round(TRANSITION_SECONDS * 25)
    assert np.abs(paused[-hold:] - neutral).max() < 0.01  # the low-pass rounds the corner into the pause
    assert np.abs(paused[-1] - neutral).max() < 1e-4
    signed = signkit("t2p", "--from", "gloss", "--lexicon", str(tmp_path / "dgs"), "--signed-language", "gsg",
                     input="WASSER3B XQZW\n")  # fmt: skip
    assert signed.returncode == 0, signed.stderr.decode()
