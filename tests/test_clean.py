"""`signkit clean` on real sequences with injected damage."""

from __future__ import annotations

import functools
import json
import re

import av
import h5py
import numpy as np
import pytest

from conftest import shared_data, signkit
from signkit.pose.io import read_sequences, write_sequences
from signkit.prep.clean import CleanReport, clean, repair, repair_pt50
from signkit.pose.sequence import make_pose, person0

NOSE, RIGHT_ELBOW, RIGHT_WRIST, LEFT_ELBOW, LEFT_WRIST = 0, 3, 4, 6, 7  # PT-50 joints (OpenPose BODY_25 order)
LEFT_HAND, RIGHT_HAND = slice(8, 29), slice(29, 50)  # the hands at joints 7 and 4


def _phoenix(data):
    return list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))


def _signing_span(points: np.ndarray, margin: int = 2) -> tuple[int, int]:
    """[first, last) frames that `clean` keeps, by its documented rule written out here: from ``margin``
    frames before the first to ``margin`` after the last frame in which a wrist is above its elbow
    (y points down)."""
    right = points[:, RIGHT_WRIST, 1] < points[:, RIGHT_ELBOW, 1]
    frames = np.flatnonzero(right | (points[:, LEFT_WRIST, 1] < points[:, LEFT_ELBOW, 1]))
    return max(0, frames[0] - margin), min(len(points), frames[-1] + 1 + margin)


def test_repair_fills_injected_nan_and_zero_points(data):
    sequence = _phoenix(data)[1]
    truth, confidence = person0(sequence.pose)
    damaged = truth.copy()
    damaged[20:25, 4] = np.nan  # right wrist lost for 5 frames
    damaged[40:43, 30:35] = 0.0  # part of the right hand reported as zeros
    report = CleanReport()
    pose = make_pose(sequence.pose.header, damaged, confidence, sequence.fps)
    (cleaned,) = clean([sequence.__class__(sequence.name, pose)], report, trim=False)
    points, _ = person0(cleaned.pose)
    assert np.isfinite(points).all()
    assert report.interpolated == 5 + 3 * 5 and report.median_filled == 0
    # Interpolation lands within half the wrist's largest move in one frame (0.11; measured errors: 0.036, 0.053).
    assert np.abs(points[20:25, 4] - truth[20:25, 4]).max() < 0.05
    assert np.abs(points[40:43, 30:35] - truth[40:43, 30:35]).max() < 0.06
    assert np.allclose(points[:20], truth[:20], atol=1e-6)  # untouched frames stay as they were


def test_a_hand_lost_for_long_is_filled_at_its_wrist(data):
    sequence = _phoenix(data)[1]
    truth, confidence = person0(sequence.pose)
    damaged = truth.copy()
    damaged[10:40, 29:50] = np.nan  # the right hand lost for 30 frames (more than --max-gap)
    relative, _, _, median = repair_pt50(damaged, confidence)
    absolute, _, _, _ = repair(damaged, confidence)
    assert median == 30 * 21
    error = np.abs(relative[10:40, 29:50] - truth[10:40, 29:50]).mean()
    # The baseline: the same hand filled in place, not at its wrist (measured: 0.039 against 0.093).
    assert error < 0.6 * np.abs(absolute[10:40, 29:50] - truth[10:40, 29:50]).mean()
    wrist_to_hand = np.linalg.norm(relative[10:40, 29] - truth[10:40, 4], axis=-1)
    # The filled hand hangs at the (observed) wrist: within 0.1, under a third of a shoulder width (measured: 0.033).
    assert wrist_to_hand.max() < 0.1


def test_long_gaps_take_the_median():
    data = np.zeros((30, 1, 3), dtype=np.float32) + np.arange(30, dtype=np.float32)[:, None, None]
    data[5:25] = np.nan
    repaired, confidence, interpolated, median = repair(data, np.ones((30, 1)), max_gap=10)
    assert interpolated == 0 and median == 20
    assert np.allclose(repaired[5:25], np.median(np.r_[0:5, 25:30]))
    assert (confidence[5:25] == 0.2).all()


def test_clean_command_drops_a_mostly_missing_sequence(data, tmp_path):
    sequences = _phoenix(data)
    broken = sequences[2]
    points, confidence = person0(broken.pose)
    points[:, 8:] = 0.0  # both hands never found
    broken.pose = make_pose(broken.pose.header, points, confidence, 25.0)
    write_sequences(sequences, tmp_path / "in.h5")
    out = tmp_path / "clean.skels"
    result = signkit("clean", str(tmp_path / "in.h5"), "-o", str(out), "--stride", "2")
    assert result.returncode == 0, result.stderr
    assert f"dropped {broken.name}: 84% of points missing" in result.stderr.decode()
    assert len(out.read_text().splitlines()) == 4
    info = json.loads(signkit("info", "--json", str(out)).stdout)
    # Each kept sequence: its signing span (the documented trimming rule, computed here), every 2nd frame.
    spans = [_signing_span(person0(s.pose)[0]) for s in sequences if s is not broken]
    assert info["sequences"] == 4 and info["frames"] == sum(len(range(first, last, 2)) for first, last in spans)
    assert signkit("render", str(out), "-o", str(tmp_path / "clean.mp4")).returncode == 0
    with av.open(str(tmp_path / "clean.mp4")) as video:  # the four sequences play one after another
        frames = [frame.to_ndarray(format="rgb24") for frame in video.decode(video=0)]
    assert len(frames) == info["frames"]
    assert all((frame != frame[0, 0]).any() for frame in frames)  # every frame draws the signer on the background


def test_clean_joins_phoenix_texts_and_survives_a_bad_input(data, tmp_path):
    out = tmp_path / "dev.skels"
    csv = data / "phoenix14t" / "annotations" / "dev.csv"
    skels = data / "phoenix14t" / "sample" / "dev.skels"
    result = signkit("clean", str(skels), str(tmp_path / "missing.pose"), "--texts", str(csv), "-o", str(out))
    assert result.returncode == 1 and b"missing.pose: no such file" in result.stderr
    assert out.with_suffix(".gloss").read_text() == skels.with_suffix(".gloss").read_text()
    # The CSV's translations are the sample's texts without its tokenised final " .".
    expected = [line.removesuffix(" .") for line in skels.with_suffix(".text").read_text().splitlines()]
    assert out.with_suffix(".text").read_text().splitlines() == expected


def test_clean_reduced_holistic_dgs(data, tmp_path):
    files = sorted((data / "dgs-sentences" / "train").glob("*_original.pose"))[:3]
    result = signkit("clean", *map(str, files), "-o", str(tmp_path / "dgs.h5"))
    assert result.returncode == 0, result.stderr
    sequences = list(read_sequences(tmp_path / "dgs.h5"))
    assert len(sequences) == 3 and all(s.layout == "pt50" for s in sequences)


def _lowered(frame: np.ndarray) -> np.ndarray:
    """A rest frame made from a real one: each wrist, with its hand, moved down to 0.1 below its elbow."""
    frame = frame.copy()
    for wrist, elbow, hand in ((RIGHT_WRIST, RIGHT_ELBOW, RIGHT_HAND), (LEFT_WRIST, LEFT_ELBOW, LEFT_HAND)):
        drop = frame[elbow, 1] + 0.1 - frame[wrist, 1]
        frame[wrist, 1] += drop
        frame[hand, 1] += drop
    return frame


@pytest.fixture(scope="module")
def damaged(tmp_path_factory) -> dict:
    """Four real PHOENIX14T dev sequences in one .h5, each damaged so that one option of `signkit clean`
    changes its result in a known way; returns the path and each sequence's (name, points, confidence):

    * ``resting``: 10 rest frames (the first frame, lowered) before and 10 (the last, lowered) after;
    * ``gap``: the nose lost for frames 20-24 (5 frames: within the default --max-gap 10, beyond 4);
    * ``sparse``: both hands lost for the first 50 of 142 frames (30% of the points);
    * ``doubtful``: the nose moved down by 0.5 in frames 30-32 with confidence 0.3 (kept at the default
      --confidence 0.2, missing at 0.5).
    """
    resting, gap, sparse, doubtful = (_phoenix(shared_data())[i] for i in (0, 1, 3, 4))
    designed = {}
    for role, sequence in (("resting", resting), ("gap", gap), ("sparse", sparse), ("doubtful", doubtful)):
        points, confidence = person0(sequence.pose)
        if role == "resting":
            points = np.concatenate([[_lowered(points[0])] * 10, points, [_lowered(points[-1])] * 10])
            confidence = np.ones(points.shape[:2], dtype=np.float32)
        elif role == "gap":
            points[20:25, NOSE] = np.nan
        elif role == "sparse":
            points[:50, 8:] = np.nan
        else:
            points[30:33, NOSE, 1] += 0.5
            confidence[30:33, NOSE] = 0.3
        designed[role] = (sequence.name, points, confidence)
        sequence.pose = make_pose(sequence.pose.header, points, confidence, sequence.fps)
    path = tmp_path_factory.mktemp("clean") / "damaged.h5"
    write_sequences([resting, gap, sparse, doubtful], path)
    return {"path": path, **designed}


@pytest.fixture(scope="module")
def cleaned(damaged):
    """`signkit clean damaged.h5 OPTIONS -o FILE.h5`, run once per set of options: ``(outputs, stderr, counts)``,
    the outputs read with h5py (name -> (points, confidence)) and the report's counts from standard error
    (points interpolated, points filled by the median, rest frames trimmed)."""

    @functools.cache
    def run(*options: str):
        out = damaged["path"].with_name("clean" + "".join(options).replace("-", "_") + ".h5")
        result = signkit("clean", str(damaged["path"]), *options, "-o", str(out))
        stderr = result.stderr.decode()
        assert result.returncode == 0, stderr
        outputs = {}
        with h5py.File(out) as h5:
            h5.visititems(lambda name, item: outputs.update({name: (item["data"][()], item["confidence"][()])})
                          if isinstance(item, h5py.Group) and "data" in item else None)  # fmt: skip
        counts = re.search(r"(\d+) points interpolated, (\d+) filled by the median, (\d+) rest frames trimmed", stderr)
        return outputs, stderr, tuple(int(count) for count in counts.groups())

    return run


HANDS_LOST = 50 * 42  # the sparse sequence's lost hand points (point-frames), filled by the median: no later end


def test_max_gap_decides_between_interpolation_and_the_median(damaged, cleaned):
    name, points, _ = damaged["gap"]
    known = np.r_[0:20, 25:len(points)]
    default, _, counts = cleaned("--no-trim")  # --max-gap 10
    nose, confidence = default[name][0][:, NOSE], default[name][1][:, NOSE]
    expected = points[19, NOSE] + (points[25, NOSE] - points[19, NOSE]) * (np.arange(20, 25) - 19)[:, None] / 6
    assert np.allclose(nose[20:25], expected, atol=1e-6)  # the straight line from frame 19 to frame 25
    assert (confidence[20:25] == 0.2).all()  # repaired points carry the --confidence threshold
    assert np.allclose(nose[known], points[known, NOSE]) and counts[:2] == (5, HANDS_LOST)
    short, _, counts = cleaned("--no-trim", "--max-gap", "4")
    nose = short[name][0][:, NOSE]
    assert np.allclose(nose[20:25], np.median(points[known, NOSE], axis=0), atol=1e-6)
    assert np.allclose(nose[known], points[known, NOSE]) and counts[:2] == (0, HANDS_LOST + 5)


def test_confidence_decides_which_points_are_missing(damaged, cleaned):
    name, points, confidence = damaged["doubtful"]
    default, _, _ = cleaned("--no-trim")  # --confidence 0.2: the doubtful nose is kept as it is
    assert np.allclose(default[name][0], points, atol=1e-6) and np.allclose(default[name][1], confidence)
    strict, _, counts = cleaned("--no-trim", "--confidence", "0.5")
    nose, nose_confidence = strict[name][0][:, NOSE], strict[name][1][:, NOSE]
    expected = points[29, NOSE] + (points[33, NOSE] - points[29, NOSE]) * (np.arange(30, 33) - 29)[:, None] / 4
    assert np.allclose(nose[30:33], expected, atol=1e-6) and (nose_confidence[30:33] == 0.5).all()
    assert counts[:2] == (5 + 3, HANDS_LOST)


def test_max_missing_drops_a_sequence_with_more_missing_points(damaged, cleaned):
    name, points, _ = damaged["sparse"]
    share = np.isnan(points).any(-1).mean()  # 42 of 50 points in 50 of 142 frames
    assert share == pytest.approx(42 * 50 / (50 * 142))
    default, stderr, _ = cleaned("--no-trim")  # --max-missing 0.5
    assert len(default) == 4 and "4 sequences in, 4 written, 0 dropped" in stderr
    # A lost hand is filled at its wrist with its median shape (offsets from the wrist) over the frames it was seen.
    filled, _ = default[name]
    for hand, wrist in ((LEFT_HAND, LEFT_WRIST), (RIGHT_HAND, RIGHT_WRIST)):
        shape = np.median(points[50:, hand] - points[50:, wrist, None], axis=0)
        assert np.allclose(filled[:50, hand], points[:50, wrist, None] + shape, atol=1e-5)
    strict, stderr, _ = cleaned("--no-trim", "--max-missing", "0.25")
    assert f"dropped {name}: {share:.0%} of points missing (more than 25%)" in stderr
    assert sorted(strict) == sorted(damaged[role][0] for role in ("resting", "gap", "doubtful"))


def test_rest_frames_are_trimmed_unless_no_trim(damaged, cleaned):
    name, points, _ = damaged["resting"]
    untrimmed, _, counts = cleaned("--no-trim")
    assert np.allclose(untrimmed[name][0], points, atol=1e-6) and counts[2] == 0
    trimmed, _, counts = cleaned()
    # The 10 rest frames at each end go but for 2 (the margin): the signing starts at frame 10 and ends at 51.
    assert _signing_span(points) == (8, 54)
    assert np.allclose(trimmed[name][0], points[8:54], atol=1e-6)
    spans = {role: _signing_span(damaged[role][1]) for role in ("resting", "gap", "sparse", "doubtful")}
    assert counts[2] == sum(len(damaged[role][1]) - (last - first) for role, (first, last) in spans.items())
    for role, (first, last) in spans.items():
        assert len(trimmed[damaged[role][0]][0]) == last - first
