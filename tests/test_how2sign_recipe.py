"""The How2Sign recipe (examples/how2sign) on a small corpus in How2Sign's exact layout, the one
its sample.py makes from real keypoints: MediaPipe Holistic on the real videos in
../shared/data/videos, written as OpenPose JSON frames under real How2Sign sentence names.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

from conftest import example_script, signkit
from signkit.pose.io import read_sequences
from signkit.pose.layouts import PT50_LSHOULDER, PT50_LWRIST, PT50_NECK, PT50_RSHOULDER, PT50_RWRIST
from signkit.pose.sequence import person0
from signkit.video import read_frames

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "examples" / "how2sign"
sample = example_script(RECIPE / "sample.py")


def test_recipe_turns_how2sign_keypoints_into_pt50_splits(data, tmp_path):
    corpus = sample.write_sample(tmp_path / "How2Sign", data)
    signkit_command = f"{shlex.quote(sys.executable)} -m signkit"
    result = subprocess.run(["make", "-C", str(RECIPE), "-j", "2", f"H2S={tmp_path / 'How2Sign'}",
                             f"OUT={tmp_path / 'out'}", "SHARDS=2", f"SIGNKIT={signkit_command}"],
                            capture_output=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    dropped = corpus["train"].pop(sample.DROPPED)[0]
    assert f"dropped {dropped}: " in result.stderr.decode()
    for split, target in (("train", "train"), ("val", "dev"), ("test", "test")):
        sequences = list(read_sequences(tmp_path / "out" / f"{target}.skels"))
        expected = dict(corpus[split])
        assert sorted(s.name for s in sequences) == sorted(expected)
        for sequence in sequences:
            assert sequence.text == expected[sequence.name]
            assert sequence.layout == "pt50" and sequence.frames > 20
            points = person0(sequence.pose)[0]
            assert np.isfinite(points).all()
            # a correct upper body: neck at the origin, shoulders level on either side of it,
            # the nose above, and both hands attached at their wrists (normalised units)
            assert np.abs(points[:, PT50_NECK]).max() < 1e-4
            assert (points[:, PT50_RSHOULDER, 0] > 0.1).all() and (points[:, PT50_LSHOULDER, 0] < -0.1).all()
            assert np.median(np.abs(points[:, PT50_RSHOULDER, 1] - points[:, PT50_LSHOULDER, 1])) < 0.05
            assert (points[:, 0, 1] < -0.1).mean() > 0.9
            assert np.median(np.linalg.norm(points[:, PT50_LWRIST] - points[:, 8], axis=-1)) < 0.1
            assert np.median(np.linalg.norm(points[:, PT50_RWRIST] - points[:, 29], axis=-1)) < 0.1
            assert np.abs(points[..., 2]).max() > 0.01  # lifted: depth is not flat

    # dev.skels read as text: a line a sequence, 150 values and a counter a frame
    lines = (tmp_path / "out" / "dev.skels").read_text(encoding="utf-8").splitlines()
    assert all(len(line.split()) % 151 == 0 for line in lines)
    result = signkit("info", "--json", str(tmp_path / "out" / "dev.skels"))
    assert result.returncode == 0, result.stderr.decode()
    info = json.loads(result.stdout)
    assert info["layouts"] == ["pt50"] and len(info["fps"]) == 1 and info["sequences"] == len(lines) == len(corpus["val"])
    assert info["frames"] == sum(len(line.split()) // 151 for line in lines)
    assert info["missing"] == dict.fromkeys(info["missing"], 0.0) and len(info["missing"]) == 3  # body, two hands
    video = tmp_path / "dev.mp4"
    result = signkit("render", str(tmp_path / "out" / "dev.skels"), "-o", str(video))
    assert result.returncode == 0, result.stderr.decode()
    frames, fps = read_frames(video)
    frames = list(frames)  # every sequence's frames one after another, 512 x 512, a signer in each
    assert fps == info["fps"][0] and len(frames) == info["frames"] and frames[0].shape == (512, 512, 3)
    assert all((frame < 200).any() for frame in frames)
