"""Readers and writers of .skels, .pose and .h5 on the real PHOENIX14T sample."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest

from conftest import assert_error, signkit
from signkit.errors import SignkitError
from signkit.pose.io import read_sequences, write_sequences
from signkit.pose import formats
from signkit.pose.layouts import PT50, layout_of, pt50_header


def test_skels_round_trip_is_exact_text(data, tmp_path):
    source = data / "phoenix14t" / "sample" / "dev.skels"
    sequences = list(read_sequences(source))
    assert len(sequences) == 5 and all(s.layout == PT50 for s in sequences)
    assert sequences[0].name == "dev/11August_2010_Wednesday_tagesschau-2"
    assert sequences[0].text.startswith("tiefer luftdruck")
    assert sequences[0].gloss == "DRUCK TIEF KOMMEN"
    out = tmp_path / "copy.skels"
    write_sequences(sequences, out)
    assert out.read_text() == source.read_text()
    for kind in ("text", "gloss", "files"):
        assert out.with_suffix(f".{kind}").read_text() == source.with_suffix(f".{kind}").read_text()


def test_skels_values_are_written_as_percent_5f():
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.standard_normal((4, 50, 3)) * scale for scale in (1e-6, 1, 3, 1e3, 1e8)]).astype(np.float32)
    edge = [np.nan, -0.0, -1e-7, -0.000005, 9.999995, 99999.999, 0.5, 1, 10, 123456789, -987654.3]
    data[0, : len(edge), 0] = edge
    data[2, :40, 0] = (2 * np.arange(-20, 20) + 1) / 64  # exact halves at the fifth decimal: ties to even
    frames = np.nan_to_num(data).reshape(len(data), -1)
    expected = " ".join(" ".join("%.5f" % v for v in row) + f" {t / len(data):.4f}" for t, row in enumerate(frames.tolist()))
    assert formats.format_skels_line(data) == expected
    with pytest.raises(ValueError, match="too large"):
        formats.format_skels_line(np.full((1, 1, 3), np.inf, np.float32))


@pytest.mark.parametrize("suffix", [".h5", ".pose"])
def test_binary_round_trip_keeps_every_value(data, tmp_path, suffix):
    source = data / "phoenix14t" / "sample" / "dev.skels"
    sequences = list(read_sequences(source))
    if suffix == ".pose":
        sequences = sequences[:1]
    out = tmp_path / f"dev{suffix}"
    write_sequences(sequences, out)
    back = list(read_sequences(out))
    assert len(back) == len(sequences)
    for a, b in zip(sequences, back):
        assert np.array_equal(a.pose.body.data.filled(np.nan), b.pose.body.data.filled(np.nan), equal_nan=True)
        assert b.fps == a.fps and b.layout == PT50
    if suffix == ".h5":
        assert [s.name for s in back] == [s.name for s in sequences]
        assert [s.text for s in back] == [s.text for s in sequences]
        assert [s.gloss for s in back] == [s.gloss for s in sequences]


def test_sniffing():
    assert formats.sniff(formats.HDF5_SIGNATURE + b"rest") == formats.H5
    buffer = io.BytesIO()
    pt50_header().write(buffer)
    assert formats.sniff(buffer.getvalue()[:16]) == formats.POSE
    assert formats.sniff(b"0.1 0.2 0.3") == formats.SKELS


def test_bad_skels_line_names_the_line():
    header = pt50_header()
    good = " ".join(["0.5"] * 150 + ["0.0"])
    with pytest.raises(SignkitError, match=r"x.skels:2: 152 values is not a whole number of frames of 151"):
        list(formats.read_skels(good + "\n" + good + " 1.0\n", "x.skels", header=header))
    with pytest.raises(SignkitError, match=r"x.skels:1: 'abc' is not a number"):
        list(formats.read_skels("abc " + good, "x.skels"))


def test_sibling_length_mismatch(tmp_path):
    (tmp_path / "a.skels").write_text(" ".join(["0.1"] * 150 + ["0.0"]) + "\n")
    (tmp_path / "a.text").write_text("one\ntwo\n")
    with pytest.raises(SignkitError, match="a.text: 2 lines, but a.skels has 1 sequences"):
        list(read_sequences(tmp_path / "a.skels"))


def test_h5_duplicate_names_rejected(data, tmp_path):
    sequence = next(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    with pytest.raises(SignkitError, match="two sequences are named"):
        write_sequences([sequence, sequence], tmp_path / "dup.h5")
    assert not list(tmp_path.iterdir())


def test_holistic_pose_keeps_its_header_in_h5(data, tmp_path):
    sequence = next(read_sequences(data / "asl-lexicon" / "ase" / "hello.pose"))
    write_sequences([sequence], tmp_path / "hello.h5")
    back = next(read_sequences(tmp_path / "hello.h5"))
    assert layout_of(back.pose.header) == "holistic"
    assert back.pose.header.total_points() == sequence.pose.header.total_points() == 586
    assert np.allclose(back.pose.body.confidence, sequence.pose.body.confidence)


def test_stale_siblings_are_removed(data, tmp_path):
    out = tmp_path / "out.skels"
    shutil.copy(data / "phoenix14t" / "sample" / "dev.text", tmp_path / "out.text")
    sequences = list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    for sequence in sequences:
        sequence.text = None
    write_sequences(sequences, out)
    assert not (tmp_path / "out.text").exists() and (tmp_path / "out.gloss").exists()


def test_skels_with_trailing_blank_line_and_latin1_sibling(tmp_path):
    (tmp_path / "a.skels").write_text(" ".join(["0.1"] * 150 + ["0.0"]) + "\n\n")
    assert len(list(read_sequences(tmp_path / "a.skels"))) == 1
    (tmp_path / "a.text").write_bytes("caf\xe9\n".encode("latin-1"))
    assert_error(signkit("info", str(tmp_path / "a.skels")), "a.text:1: not UTF-8 text")
