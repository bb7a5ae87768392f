"""`signkit lift3d` against the real 3D of the PHOENIX14T sample, and on real MediaPipe poses."""

from __future__ import annotations

from dataclasses import replace

import h5py
import numpy as np
import pytest
import torch

from conftest import shared_data, signkit
from signkit.errors import SignkitError
from signkit.pose.io import read_sequences, write_sequences
from signkit.pose.layouts import OPENPOSE_137, header_for, pt50_header
from signkit.prep.lift import _correct_flips, lift3d, mpjpe, pt50_skeleton, solve
from signkit.pose.sequence import make_pose, person0


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


def _as_openpose(points: np.ndarray) -> np.ndarray:
    """PT-50 points (frames, 50, 3) as OpenPose's 2D pixels in the openpose-137 layout (frames, 137, 2): shoulder
    width 1/3 -> 200 px, neck at (640, 360) of a 1280 x 720 frame, x mirrored back to the image's; BODY_25 0-7 and
    the hands at joints 7 and 4 (OpenPose's left and right hand, points 95-136), every other point missing (NaN)."""
    pixels = np.full((len(points), 137, 2), np.nan, dtype=np.float32)
    image = points[..., :2] * 600 * [-1, 1] + [640, 360]
    pixels[:, 0:8], pixels[:, 95:137] = image[:, 0:8], image[:, 8:50]
    return pixels


@pytest.fixture(scope="module")
def lifted_openpose(tmp_path_factory):
    """`signkit lift3d in.h5 -o out.h5` run once on the PHOENIX14T dev sample as OpenPose would see it (2D pixels,
    openpose-137, with texts), one sequence (the third) with its shoulders lost: ``(result, truth, broken, out)``,
    truth the real 3D sequences, broken the name of the damaged one."""
    truth = _phoenix(shared_data())
    inputs = []
    for i, sequence in enumerate(truth):
        pixels = _as_openpose(person0(sequence.pose)[0])
        if i == 2:
            pixels[:, [2, 5]] = np.nan  # no shoulder in any frame: nothing to scale or root the skeleton by
        inputs.append(replace(sequence, pose=make_pose(header_for(OPENPOSE_137), pixels, None, sequence.fps)))
    folder = tmp_path_factory.mktemp("lift")
    write_sequences(inputs, folder / "in.h5")
    result = signkit("lift3d", str(folder / "in.h5"), "-o", str(folder / "out.h5"))
    return result, truth, truth[2].name, folder / "out.h5"


def test_lifting_openpose_137_beats_constant_depth_on_real_3d(lifted_openpose):
    _, truth, broken, out = lifted_openpose
    truth = [s for s in truth if s.name != broken]
    lifted = list(read_sequences(out))
    assert [s.name for s in lifted] == [s.name for s in truth]
    assert [s.text for s in lifted] == [s.text for s in truth]
    assert all(s.layout == "pt50" and s.fps == 25.0 for s in lifted)
    true_points, points = _points(truth), _points(lifted)
    # Both in PT-50's units (neck at the origin, shoulder width 1/3): the mean distance per joint.
    constant = true_points.copy()
    constant[..., 2] = 0.0  # the baseline: every point at the neck's depth
    lifted_error = np.linalg.norm(points - true_points, axis=-1).mean()
    constant_error = np.linalg.norm(constant - true_points, axis=-1).mean()
    assert lifted_error < 0.5 * constant_error, (lifted_error, constant_error)  # measured: 0.036 against 0.167
    # x and y are kept close to the input: within 3% of a shoulder width on average (measured: 1%).
    assert np.abs(points[..., :2] - true_points[..., :2]).mean() < 0.01


def test_lift3d_command_reports_a_sequence_it_cannot_lift_and_writes_the_others(lifted_openpose):
    result, truth, broken, out = lifted_openpose
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 1 and lines == [
        f"Error: {broken}: no frame shows both shoulders; cannot lift",
        "Error: 1 input or sequence failed (each named above); the other 4 sequences were written",
    ], lines
    with h5py.File(out) as h5:  # the others, read without signkit
        names = []
        h5.visititems(lambda name, item: names.append(name) if "data" in getattr(item, "keys", list)() else None)
        assert sorted(names) == sorted(s.name for s in truth if s.name != broken)
        assert all(h5[s.name]["data"].shape == (s.frames, 50, 3) for s in truth if s.name != broken)


def test_mpjpe_aligns_translation_and_scale_per_frame():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(4, 50, 3))
    assert mpjpe(2.0 * truth + [1.0, -3.0, 0.5], truth) == pytest.approx(0.0, abs=1e-9)
    noisy = truth + rng.normal(scale=0.1, size=truth.shape)
    # The definition written out: centre both, scale the prediction by the least-squares factor, mean distance.
    p, t = noisy - noisy.mean(1, keepdims=True), truth - truth.mean(1, keepdims=True)
    scale = (p * t).sum((1, 2)) / (p * p).sum((1, 2))
    assert mpjpe(noisy, truth) == pytest.approx(np.linalg.norm(scale[:, None, None] * p - t, axis=-1).mean())


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
    # The depth found follows the real one (measured correlations: 0.89 from 2D, 0.94 from the mirrored depth).
    assert np.corrcoef(from_2d, true_z)[0, 1] > 0.8
    assert np.corrcoef(from_mirrored, -true_z)[0, 1] > 0.8
    # Without --depth the mirrored input lifts exactly as its 2D points: the depth would enter at the start, so
    # 10 steps show it (from the mirrored depth they differ by 0.30 on average, more than the real depth's mean
    # size, 0.17: the bound is 0.01).
    without_depth = _points(lift3d(mirrored, use_depth=False, iterations=10))[..., 2].ravel()
    assert without_depth == pytest.approx(_points(lift3d(_flat(truth), iterations=10))[..., 2].ravel(), abs=1e-5)
    assert np.abs(_points(lift3d(mirrored, iterations=10))[..., 2].ravel() - without_depth).mean() > 0.01


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
    with pytest.raises(SignkitError, match="^broken: no frame shows both shoulders; cannot lift$"):
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
    # x and y stay within 1% of the 512-pixel frame on average (measured: 0.5 px).
    assert np.nanmean(np.abs(after[:, :33, :2] - before[:, :33, :2])[body]) < 5
    # Depth was solved: the arms' 3D lengths (z in x's units over the frame width) vary over the frames by 3% to
    # 14% with MediaPipe's depth, the baseline measured here; lifted, each is one length: under a 1000th of that.
    width = holistic.pose.header.dimensions.width
    arms = [(12, 14), (14, 16), (11, 13), (13, 15)]  # MediaPipe's shoulder-elbow and elbow-wrist, right and left

    def variation(points):
        scaled = points[..., :3] * [1.0, 1.0, width]
        lengths = np.stack([np.linalg.norm(scaled[:, a] - scaled[:, b], axis=-1) for a, b in arms], axis=1)
        return np.nanstd(lengths, axis=0) / np.nanmean(lengths, axis=0)

    baseline = variation(before)
    assert (baseline > 0.01).all() and (variation(after) < baseline.min() / 1000).all(), (baseline, variation(after))


def test_lift3d_names_sequences_it_cannot_lift(data, tmp_path):
    source = data / "phoenix14t" / "sample" / "dev.skels"
    result = signkit("lift3d", "--layout", "holistic", str(source), "-o", str(tmp_path / "x.skels"))
    lines = result.stderr.decode().splitlines()
    # Every sequence is named; with none lifted, nothing is written.
    expected = [f"Error: {s.name}: holistic output needs holistic input, not pt50" for s in _phoenix(data)]
    assert result.returncode == 1 and lines == expected + [f"Error: {tmp_path / 'x.skels'}: no sequences to write"]
    assert not list(tmp_path.iterdir())
