"""`signkit clean` on real sequences with injected damage."""

from __future__ import annotations

import json

import numpy as np

from conftest import signkit
from signkit.pose.io import read_sequences, write_sequences
from signkit.prep.clean import CleanReport, clean, repair, repair_pt50
from signkit.pose.sequence import make_pose, person0


def _phoenix(data):
    return list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))


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
    assert error < 0.6 * np.abs(absolute[10:40, 29:50] - truth[10:40, 29:50]).mean()
    wrist_to_hand = np.linalg.norm(relative[10:40, 29] - truth[10:40, 4], axis=-1)
    assert wrist_to_hand.max() < 0.1  # the filled hand hangs at the (observed) wrist


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
    kept = [s.frames for s in sequences if s is not broken]
    assert info["sequences"] == 4 and info["frames"] <= sum((n + 1) // 2 for n in kept)
    assert signkit("render", str(out), "-o", str(tmp_path / "clean.mp4")).returncode == 0


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
