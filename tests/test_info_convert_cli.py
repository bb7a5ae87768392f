"""`signkit info` and `signkit convert` through the command line, on real files."""

from __future__ import annotations

import json

import h5py
import numpy as np
from pose_format import Pose

from conftest import signkit


def test_info_on_skels(data):
    result = signkit("info", "--json", str(data / "phoenix14t" / "sample" / "dev.skels"))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["format"] == "skels" and summary["layouts"] == ["pt50"]
    assert summary["sequences"] == 5 and summary["frames"] == 42 + 111 + 148 + 142 + 93
    assert summary["fps"] == [25.0] and set(summary["missing"]) == {"BODY", "LEFT_HAND", "RIGHT_HAND"}


def test_info_on_pose_from_stdin(data):
    content = (data / "asl-lexicon" / "ase" / "hello.pose").read_bytes()
    summary = json.loads(signkit("info", "--json", input=content).stdout)
    assert summary["format"] == "pose" and summary["layouts"] == ["holistic"] and summary["frames"] == 51
    assert summary["missing"]["POSE_LANDMARKS"] == 0.0
    assert summary["missing"]["LEFT_HAND_LANDMARKS"] == 1.0  # the left hand rests out of view
    assert 0.9 < summary["missing"]["FACE_LANDMARKS"] < 1.0  # 33 of 478 face points are kept
    table = signkit("info", str(data / "asl-lexicon" / "ase" / "hello.pose")).stdout.decode()
    assert "holistic" in table and "29.97" in table


def test_convert_round_trips_through_h5_and_pose(data, tmp_path):
    source = data / "phoenix14t" / "sample" / "dev.skels"
    assert signkit("convert", str(source), "-o", str(tmp_path / "dev.h5")).returncode == 0
    assert signkit("convert", str(tmp_path / "dev.h5"), "-o", str(tmp_path / "back.skels")).returncode == 0
    assert (tmp_path / "back.skels").read_text() == source.read_text()
    assert (tmp_path / "back.gloss").read_text() == source.with_suffix(".gloss").read_text()
    one = tmp_path / "one.skels"
    one.write_text(source.read_text().splitlines()[1] + "\n")
    assert signkit("convert", str(one), "-o", str(tmp_path / "one.pose")).returncode == 0
    assert signkit("convert", str(tmp_path / "one.pose"), "-o", str(tmp_path / "one-back.skels")).returncode == 0
    assert (tmp_path / "one-back.skels").read_text() == one.read_text()


def test_convert_stdin_to_stdout_and_layout(data, tmp_path):
    content = (data / "asl-lexicon" / "ase" / "hello.pose").read_bytes()
    result = signkit("convert", "--layout", "pt50", input=content)
    assert result.returncode == 0 and len(result.stdout.decode().split()) == 51 * 151
    assert signkit("convert", "--to", "h5", "-o", str(tmp_path / "x.h5"), input=content).returncode == 0
    # The .h5 read with h5py (layout in docs/h5.md) against the .pose read by pose-format itself.
    source = Pose.read(content)
    with h5py.File(tmp_path / "x.h5") as h5:
        assert h5.attrs["format_version"] == 1 and list(h5) == ["<stdin>"]
        group = h5["<stdin>"]
        data, confidence = group["data"][()], group["confidence"][()]
        assert group.attrs["layout"] == "holistic" and group.attrs["fps"] == source.body.fps
    expected = source.body.data[:, 0].filled(np.nan)
    expected[source.body.confidence[:, 0] == 0] = np.nan  # docs/h5.md: NaN = missing
    assert data.shape == expected.shape == (51, 586, 3)
    assert np.array_equal(data, expected, equal_nan=True)
    assert np.array_equal(confidence, source.body.confidence[:, 0])
    refused = signkit("convert", "-o", str(tmp_path / "x.skels"), input=content)
    assert refused.returncode == 1 and b"--layout pt50" in refused.stderr
    assert not (tmp_path / "x.skels").exists()
