"""Layout conversions to PT-50 follow the convention of the PHOENIX14T sample."""

from __future__ import annotations

import numpy as np

from signkit.pose.io import read_sequences
from signkit.pose.convert import to_pt50
from signkit.pose.layouts import OPENPOSE_137, PT50, header_for, layout_of
from signkit.pose.sequence import make_pose, person0


def _check_convention(points: np.ndarray) -> None:
    valid = np.isfinite(points[:, [1, 2, 5]]).all(axis=(1, 2))
    assert valid.any()
    points = points[valid]
    assert np.allclose(points[:, 1], 0, atol=1e-6)  # neck at the origin
    width = np.linalg.norm(points[:, 2, :2] - points[:, 5, :2], axis=-1)
    assert np.allclose(width, 1 / 3, atol=1e-5)  # 2D shoulder width 1/3
    assert (points[:, 2, 0] > 0).all() and (points[:, 5, 0] < 0).all()  # right shoulder at x > 0
    assert (points[:, 0, 1] < 0).all()  # the nose above the neck: y down


def test_phoenix_sample_is_the_convention(data):
    for sequence in read_sequences(data / "phoenix14t" / "sample" / "dev.skels"):
        _check_convention(person0(sequence.pose)[0])


def test_holistic_to_pt50(data):
    sequence = next(read_sequences(data / "asl-lexicon" / "ase" / "hello.pose"))
    pose = to_pt50(sequence.pose, sequence.name)
    assert layout_of(pose.header) == PT50 and pose.body.data.shape[1:] == (1, 50, 3)
    points, confidence = person0(pose)
    _check_convention(points)
    source, _ = person0(sequence.pose)
    header = sequence.pose.header
    right_wrist = header.get_point_index("POSE_LANDMARKS", "RIGHT_WRIST")
    right_hand = header.get_point_index("RIGHT_HAND_LANDMARKS", "WRIST")
    # The signer's raised right hand of HELLO is the hand at joint 4 (PT-50 points 29-49).
    assert (confidence[:, 29] > 0).mean() > 0.9 and (confidence[:, 8] > 0).mean() < 0.1
    assert np.isfinite(source[:, right_hand]).all() and np.isfinite(source[:, right_wrist]).all()
    assert np.nanmean(points[:, 4, 1]) < np.nanmean(points[:, 7, 1])  # right wrist raised above the left


def test_openpose_to_pt50_maps_body_and_hands():
    header = header_for(OPENPOSE_137)
    rng = np.random.default_rng(0)
    frames = rng.uniform(100, 500, size=(4, 137, 2)).astype(np.float32)
    frames[:, 2] = [300, 200]  # right shoulder on the image's left
    frames[:, 5] = [400, 200]
    frames[:, 1] = [350, 200]
    frames[:, 0] = [350, 120]  # nose above the neck
    pose = to_pt50(make_pose(header, frames, None, 25.0))
    points, _ = person0(pose)
    _check_convention(points)
    # The documented normalisation, written out: BODY_25 0-7 and both hands (95-136) with z = 0, moved so
    # the neck (1) is the origin, scaled so the shoulders (2, 5; 100 px apart) are 1/3 apart, x negated.
    mapped = frames[:, np.r_[0:8, 95:137]].astype(np.float64)
    expected = np.zeros((4, 50, 3))
    expected[..., :2] = (mapped - frames[:, 1:2]) / 3 / 100
    expected[..., 0] *= -1
    assert np.allclose(points, expected, atol=1e-6)
