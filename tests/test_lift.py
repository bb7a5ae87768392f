"""`signkit lift3d` against the real 3D of the PHOENIX14T sample, and on real MediaPipe poses."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import signkit
from signkit.pose.io import read_sequences
from signkit.pose.layouts import pt50_header
from signkit.prep.lift import _correct_flips, lift3d, mpjpe, pt50_skeleton, solve
from signkit.pose.sequence import make_pose, person0

pytest.importorskip("torch")


def _phoenix(data, split="dev"):
    return list(read_sequences(data / "phoenix14t" / "sample" / f"{split}.skels"))


def _flat(sequences):
    """The same sequences with only x and y."""
    out = []
    for sequence in sequences:
        points, confidence = person0(sequence.pose)
        out.append(replace(sequence, pose=make_pose(sequence.pose.header, points[..., :2], confidence, sequence.fps)))
    return out


def _points(sequences):
    return np.concatenate([person0(s.pose)[0] for s in sequences])


def test_lifting_beats_constant_depth_on_real_3d(data):
    truth = _phoenix(data)
    lifted = list(lift3d(_flat(truth)))
    assert [s.name for s in lifted] == [s.name for s in truth]
    assert [s.text for s in lifted] == [s.text for s in truth]
    true_points, points = _points(truth), _points(lifted)
    constant = true_points.copy()
    constant[..., 2] = 0.0
    lifted_error, constant_error = mpjpe(points, true_points), mpjpe(constant, true_points)
    assert lifted_error < 0.6 * constant_error, (lifted_error, constant_error)
    # x and y are kept close to the input (units: shoulder width 1/3)
    assert np.abs(points[..., :2] - true_points[..., :2]).mean() < 0.01


def test_starting_depth_decides_the_depth_ambiguity(data):
    truth = _phoenix(data)[:2]
    mirrored = []  # the same x, y with the depth mirrored: just as consistent with the 2D points
    for sequence in truth:
        points, confidence = person0(sequence.pose)
        points[..., 2] *= -1
        mirrored.append(replace(sequence, pose=make_pose(sequence.pose.header, points, confidence, sequence.fps)))
    true_z = _points(truth)[..., 2].ravel()
    from_2d = _points(lift3d(_flat(truth)))[..., 2].ravel()
    from_mirrored = _points(lift3d(mirrored))[..., 2].ravel()
    assert np.corrcoef(from_2d, true_z)[0, 1] > 0.8
    assert np.corrcoef(from_mirrored, -true_z)[0, 1] > 0.8
    assert _points(lift3d(mirrored, use_depth=False))[..., 2].ravel() == pytest.approx(from_2d, abs=1e-5)


def test_bone_lengths_are_constant_within_a_sequence(data):
    skeleton = pt50_skeleton()
    sequences = _phoenix(data)[:3]
    xy = np.concatenate([person0(s.pose)[0][:, skeleton.points, :2] for s in sequences]) * 3  # shoulder width 1
    index = np.concatenate([np.full(s.frames, i) for i, s in enumerate(sequences)])
    points = solve(xy, np.ones(xy.shape[:2]), None, skeleton, index, iterations=50)
    parents, children = skeleton.limbs.T
    lengths = np.linalg.norm(points[:, children] - points[:, parents], axis=-1)  # (frames, limbs)
    for i in range(len(sequences)):
        per_sequence = lengths[index == i]
        assert np.abs(per_sequence - per_sequence[0]).max() < 1e-4
    # left and right limbs share their lengths
    names = {j: name for j, name in enumerate(pt50_header().components[0].points)}
    by_name = {(names.get(int(skeleton.points[p])), names.get(int(skeleton.points[c]))): lengths[0, k]
               for k, (p, c) in enumerate(skeleton.limbs)}  # fmt: skip
    assert by_name[("RShoulder", "RElbow")] == pytest.approx(by_name[("LShoulder", "LElbow")])
    assert by_name[("Neck", "RShoulder")] == pytest.approx(by_name[("Neck", "LShoulder")])


def test_pt50_skeleton_is_a_tree_over_all_points():
    skeleton = pt50_skeleton()
    assert sorted(skeleton.points.tolist()) == list(range(50))
    assert skeleton.points[0] == 1  # rooted at the neck
    assert len(skeleton.limbs) == 49
    assert all(parent < child for parent, child in skeleton.limbs)  # parents come first
    assert skeleton.bone_count == 25  # nose, 3 arm bones, wrist-hand link, 20 hand bones


def test_depth_flips_against_neighbouring_frames_are_mirrored():
    import torch

    z = torch.tensor([0.6, 0.6, 0.6, -0.6, 0.6, 0.6, 0.6, 0.05, -0.05, 0.6])
    unit = torch.stack([torch.zeros_like(z), (1 - z**2).sqrt(), z], -1)[:, None]  # (10 frames, 1 limb, 3)
    corrected = _correct_flips(unit, torch.zeros(10, dtype=torch.long))[:, 0, 2]
    assert corrected[3] == pytest.approx(0.6)  # an isolated flip is mirrored back
    assert corrected[8] == pytest.approx(-0.05)  # a near-zero depth is left alone
    # frames of another sequence do not vote
    other = _correct_flips(unit, torch.tensor([0, 0, 0, 1, 2, 2, 2, 2, 2, 2]))[:, 0, 2]
    assert other[3] == pytest.approx(-0.6)


def test_missing_points_are_not_invented_and_sequences_without_shoulders_are_reported(data):
    sequence = _flat(_phoenix(data)[:1])[0]
    points, confidence = person0(sequence.pose)
    points[10:20, 4] = np.nan  # right wrist lost
    damaged = replace(sequence, pose=make_pose(sequence.pose.header, points, confidence, sequence.fps))
    no_shoulders = points.copy()
    no_shoulders[:, [2, 5]] = np.nan
    broken = replace(sequence, name="broken", pose=make_pose(sequence.pose.header, no_shoulders, None, sequence.fps))
    failed: list[str] = []
    (lifted,) = lift3d([broken, damaged], failed=failed)
    assert failed and "broken" in failed[0] and "shoulders" in failed[0]
    out, out_confidence = person0(lifted.pose)
    assert (out_confidence[10:20, 4] == 0).all() and np.isnan(out[10:20, 4]).all()
    assert np.isfinite(out[:10]).all() and np.isfinite(out[20:]).all()
    with pytest.raises(Exception, match="shoulders"):
        list(lift3d([broken]))


def test_lift3d_command_on_mediapipe_poses(data, tmp_path):
    source = data / "videos" / "autsl_signer0_sample1000.holistic.pose"
    result = signkit("lift3d", str(source), "-o", str(tmp_path / "a.skels"))
    assert result.returncode == 0, result.stderr.decode()
    (pt50,) = read_sequences(tmp_path / "a.skels")
    assert pt50.layout == "pt50" and pt50.frames == 43
    assert np.isfinite(person0(pt50.pose)[0]).all()

    result = signkit("lift3d", "--layout", "holistic", str(source), "-o", str(tmp_path / "h.pose"))
    assert result.returncode == 0, result.stderr.decode()
    (original,), (holistic,) = read_sequences(source), read_sequences(tmp_path / "h.pose")
    before, after = person0(original.pose)[0], person0(holistic.pose)[0]
    assert holistic.layout == "holistic" and after.shape == before.shape
    face = slice(33, 33 + 468)
    assert np.array_equal(before[:, face], after[:, face], equal_nan=True)  # the face is kept
    body = np.isfinite(before[:, :33]).all(-1)
    assert np.nanmean(np.abs(after[:, :33, :2] - before[:, :33, :2])[body]) < 5  # pixels
    assert not np.allclose(after[:, :33, 2], before[:, :33, 2])  # depth was solved


def test_lift3d_names_sequences_it_cannot_lift(data, tmp_path):
    source = data / "phoenix14t" / "sample" / "dev.skels"
    result = signkit("lift3d", "--layout", "holistic", str(source), "-o", str(tmp_path / "x.skels"))
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "holistic output needs holistic input" in stderr and "dev/" in stderr
    assert "Traceback" not in stderr
