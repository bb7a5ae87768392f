"""Behaviours found in review: progress on a terminal, safe outputs, usage checks before input."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys

import numpy as np

from conftest import assert_error, signkit
from signkit.pose.io import read_sequences, write_sequences
from signkit.lexicons.stitch import prepare_clip

FRAME = " ".join(["0.1"] * 150 + ["0.0"])


def test_progress_bar_on_a_terminal(tmp_path):
    controller, terminal = pty.openpty()
    process = subprocess.run([sys.executable, "-m", "signkit", "t2p", "-o", str(tmp_path / "x.h5")], input=b"hello\nyes\n",
                             stderr=terminal, stdout=subprocess.PIPE, timeout=120)  # fmt: skip
    os.close(terminal)
    os.close(controller)
    assert process.returncode == 0 and (tmp_path / "x.h5").is_file()


def test_clip_with_a_short_body_dropout_is_complete(data):
    sequence = next(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    points = sequence.pose.body.data[:, 0].filled(np.nan)
    points[5:8, :8] = np.nan  # the body tracker lost three frames
    points[:, 8:29] = np.nan  # one hand never tracked: that arm rests
    clip = prepare_clip(points, 25.0, 25.0)
    assert np.isfinite(clip).all()


def test_render_output_safety(data, tmp_path):
    skels = str(data / "phoenix14t" / "sample" / "dev.skels")
    assert_error(signkit("render", skels, "-o", str(tmp_path / "clip.mkv")), "unknown video format '.mkv'")
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    assert_error(signkit("render", skels, "-o", str(keep)), "holds other files than PNG frames")
    assert (keep / "notes.txt").read_text() == "mine"
    frames = tmp_path / "frames"
    assert signkit("render", skels, "-o", str(frames)).returncode == 0
    assert signkit("render", skels, "-o", str(frames), "--fps", "50").returncode == 0  # frames replaced
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_stale_siblings_are_removed(data, tmp_path):
    out = tmp_path / "out.skels"
    shutil.copy(data / "phoenix14t" / "sample" / "dev.text", tmp_path / "out.text")
    sequences = list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    for sequence in sequences:
        sequence.text = None
    write_sequences(sequences, out)
    assert not (tmp_path / "out.text").exists() and (tmp_path / "out.gloss").exists()


def test_usage_errors_come_before_input(tmp_path):
    missing = str(tmp_path / "missing.skels")
    for args in (["convert", missing, "--layout", "holistic"], ["render", missing, "--size", "0x0"],
                 ["render", missing, "--to", "png"], ["render", missing, "--background", "nope"],
                 ["t2p", missing, "--from", "video"]):  # fmt: skip
        result = signkit(*args)
        assert result.returncode == 2, (args, result.stderr)


def test_lexicon_path_with_a_space(data, tmp_path):
    folder = tmp_path / "my lexicon"
    shutil.copytree(data / "asl-lexicon", folder)
    result = signkit("t2p", "-v", input="thank you\n", env={"SIGNKIT_LEXICON": str(folder)})
    assert result.returncode == 0, result.stderr
    assert b"THANK-YOU" in result.stderr


def test_skels_with_trailing_blank_line_and_latin1_sibling(tmp_path):
    (tmp_path / "a.skels").write_text(FRAME + "\n\n")
    assert len(list(read_sequences(tmp_path / "a.skels"))) == 1
    (tmp_path / "a.text").write_bytes("caf\xe9\n".encode("latin-1"))
    assert_error(signkit("info", str(tmp_path / "a.skels")), "a.text:1: not UTF-8 text")
