"""Lexicons from your own recordings (`signkit lexicon VIDEOS|POSES|CSV -o DIR`, issue 20 item 3):
the real ASL videos beside the project, names and a CSV as glosses, a corrupt video named and
skipped, --append to a copy of the ASL lexicon without losing an entry, and t2p signing with
the result."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from conftest import assert_error, signkit
from signkit.lexicons.lexicon import Lexicon, load_clip
from signkit.lexicons.recordings import gloss_of_name, recordings_of
from signkit.pose.io import read_sequences


def _index(folder) -> list[dict]:
    with open(folder / "index.csv", newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def videos(data):
    return data / "videos"


def test_names_are_glosses():
    assert gloss_of_name("a/thank_you.mp4") == ("THANK-YOU", "thank you")
    assert gloss_of_name("House.pose") == ("HOUSE", "house")


def test_videos_named_by_gloss_make_a_lexicon_t2p_signs_with(videos, tmp_path):
    """asl_house.mp4 (25 fps, 73 frames) and asl_different.mp4 (29.97 fps, 64 frames): MediaPipe
    Holistic keypoints, each sign's span found between its rest frames (the hands out of view or
    still): measured 560-2120 ms and 300-1835 ms."""
    out = tmp_path / "mine"
    result = signkit("lexicon", str(videos / "asl_house.mp4"), str(videos / "asl_different.mp4"), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    rows = _index(out)
    assert [(r["glosses"], r["words"], r["priority"], r["signed_language"]) for r in rows] == [
        ("ASL-HOUSE", "asl house", "0", "ase"), ("ASL-DIFFERENT", "asl different", "0", "ase")]
    for row, frames, fps in zip(rows, (73, 64), (25.0, 29.97)):
        (sequence,) = read_sequences(out / row["path"])
        assert sequence.frames == frames and sequence.fps == pytest.approx(fps, abs=0.01)
        start, end = int(row["start"]), int(row["end"])
        assert 0 < start < end < frames * 1000 / fps  # rest at both ends of the recording is left out
    clip = load_clip(Lexicon.read([out]).find("ASL-HOUSE"))
    assert clip.body.data.shape[0] == pytest.approx((2120 - 560) * 25 / 1000, abs=1)
    signed = signkit("t2p", "--from", "gloss", "--lexicon", str(out), "-o", str(tmp_path / "x.pose"),
                     input="ASL-HOUSE ASL-DIFFERENT\n")  # fmt: skip
    assert signed.returncode == 0 and b"fingerspell" not in signed.stderr, signed.stderr.decode()


def test_a_csv_of_recordings_with_variants_and_a_corrupt_video(data, videos, tmp_path):
    """The CSV form: paths relative to it, a gloss of two recordings (priorities 0 and 1), a corrupt
    video named and skipped while the others are written, exit 1."""
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    shutil.copy(data / "asl-lexicon" / "ase" / "hello.pose", tmp_path / "hello.pose")
    (tmp_path / "list.csv").write_text(
        "path,gloss,words\n"
        f"{videos / 'asl_house.mp4'},HOUSE,house\n"
        "broken.mp4,BROKEN,\n"
        "hello.pose,HELLO,hello\n"
        f"{data / 'asl-lexicon' / 'ase' / 'house.pose'},HOUSE,house\n", encoding="utf-8")
    result = signkit("lexicon", str(tmp_path / "list.csv"), "-o", str(tmp_path / "lex"))
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 1 and f"{tmp_path / 'broken.mp4'}" in lines[0], lines
    assert lines[-1] == "Error: 1 of 4 recordings failed (each named above); the others were written", lines
    rows = _index(tmp_path / "lex")
    assert [(r["glosses"], r["priority"]) for r in rows] == [("HOUSE", "0"), ("HELLO", "0"), ("HOUSE", "1")]
    assert sorted(p.name for p in (tmp_path / "lex" / "clips").iterdir()) == ["hello.pose", "house-2.pose", "house.pose"]


def test_append_keeps_every_entry(data, videos, tmp_path):
    """--append to a copy of the ASL lexicon: its 100 entries stay as they were, the new recording
    of HOUSE comes after them as HOUSE's second variant, and t2p still reads the lexicon."""
    copy = tmp_path / "asl"
    shutil.copytree(data / "asl-lexicon", copy)
    before = _index(copy)
    result = signkit("lexicon", str(videos / "asl_house.mp4"), "-o", str(copy), "--append")
    assert result.returncode == 0, result.stderr.decode()
    after = _index(copy)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert (after[-1]["glosses"], after[-1]["priority"]) == ("ASL-HOUSE", "0")
    (tmp_path / "again.csv").write_text(f"path,gloss\n{videos / 'asl_house.mp4'},HOUSE\n", encoding="utf-8")
    assert signkit("lexicon", str(tmp_path / "again.csv"), "-o", str(copy), "--append").returncode == 0
    house = [r for r in _index(copy) if r["glosses"] == "HOUSE"]
    assert [r["priority"] for r in house] == ["0", "1"] and house[0] == next(r for r in before if r["glosses"] == "HOUSE")
    assert all((copy / r["path"]).is_file() for r in _index(copy))
    assert signkit("t2p", "--lexicon", str(copy), input="house\n").returncode == 0


def test_shards_build_lexicons_of_disjoint_glosses_that_sign_as_one(data, tmp_path):
    """--shard I/N over a CSV of eight ASL lexicon recordings under five glosses (HOUSE three
    times): each gloss with all its variants in one shard, the shards' union the whole lexicon,
    and t2p with every shard signing as with the whole."""
    ase = data / "asl-lexicon" / "ase"
    rows = [("house", "HOUSE"), ("hello", "HOUSE"), ("happy", "HAPPY"), ("mother", "MOTHER"), ("today", "TODAY"),
            ("thank_you", "THANK-YOU"), ("happy", "HOUSE"), ("mother", "MOTHER")]  # fmt: skip
    table = tmp_path / "signs.csv"
    table.write_text("path,gloss\n" + "".join(f"{ase / name}.pose,{gloss}\n" for name, gloss in rows), encoding="utf-8")
    assert signkit("lexicon", str(table), "-o", str(tmp_path / "whole")).returncode == 0
    whole = {(r["glosses"], r["priority"], r["start"], r["end"]) for r in _index(tmp_path / "whole")}
    shards = []
    for index in (1, 2):
        result = signkit("lexicon", str(table), "--shard", f"{index}/2", "-o", str(tmp_path / f"shard{index}"))
        assert result.returncode == 0, result.stderr.decode()
        shards.append({(r["glosses"], r["priority"], r["start"], r["end"]) for r in _index(tmp_path / f"shard{index}")})
    assert shards[0] | shards[1] == whole and len(whole) == 8
    assert {g for g, *_ in shards[0]} == {"HAPPY", "MOTHER", "TODAY"} and {g for g, *_ in shards[1]} == {"HOUSE", "THANK-YOU"}
    line = "HOUSE MOTHER THANK-YOU\n"
    one = signkit("t2p", "--from", "gloss", "--lexicon", str(tmp_path / "whole"), "--to", "skels", input=line)
    both = signkit("t2p", "--from", "gloss", "--lexicon", str(tmp_path / "shard1"), "--lexicon", str(tmp_path / "shard2"),
                   "--to", "skels", input=line)  # fmt: skip
    assert one.returncode == both.returncode == 0 and one.stdout == both.stdout
    assert_error(signkit("lexicon", str(table), "--shard", "6/6", "-o", str(tmp_path / "none")), "shard 6/6 holds no gloss",
                 "have 5")  # fmt: skip
    result = signkit("lexicon", str(data / "dgs-sentences" / "train"), "--shard", "1/2", "-o", str(tmp_path / "dgs"))
    assert result.returncode == 2 and b"--shard is for recordings" in result.stderr


def test_bad_recordings_input_is_named(tmp_path):
    assert_error(signkit("lexicon", str(tmp_path / "nothing.mp4"), "-o", str(tmp_path / "x")), "nothing.mp4: no such file")
    (tmp_path / "notes.txt").write_text("hello")
    assert_error(signkit("lexicon", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x")), "notes.txt: not a video")
    (tmp_path / "bad.csv").write_text("file,sign\na.mp4,A\n")
    assert_error(signkit("lexicon", str(tmp_path / "bad.csv"), "-o", str(tmp_path / "x")), "needs the columns path and gloss")
    (tmp_path / "empty.csv").write_text("path,gloss\na.mp4,\n")
    assert_error(signkit("lexicon", str(tmp_path / "empty.csv"), "-o", str(tmp_path / "x")), "empty.csv:2: an empty path or gloss")
    assert_error(signkit("lexicon", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x"), "--append"), "not a video")
    (tmp_path / "a.pose").write_bytes(b"x")
    assert_error(signkit("lexicon", str(tmp_path / "a.pose"), "-o", str(tmp_path / "new"), "--append"), "no index.csv to append to")
    assert recordings_of([]) == []


def test_wlasl_and_asl_citizen_indexes(videos, tmp_path):
    """WLASL's JSON (a gloss's instances, frames counted from 1, frame_end -1 for the end) and ASL
    Citizen's CSV, each over a videos/ folder: asl_house.mp4 as video 00001 (frames 10 to the
    end) and asl_different.mp4 as 00002 (frames 1-40): the sign is looked for inside those frames."""
    (tmp_path / "videos").mkdir()
    shutil.copy(videos / "asl_house.mp4", tmp_path / "videos" / "00001.mp4")
    shutil.copy(videos / "asl_different.mp4", tmp_path / "videos" / "00002.mp4")
    (tmp_path / "WLASL_v0.3.json").write_text(json.dumps([
        {"gloss": "house", "instances": [{"video_id": "00001", "frame_start": 10, "frame_end": -1, "fps": 25}]},
        {"gloss": "different", "instances": [{"video_id": "00002", "frame_start": 1, "frame_end": 40, "fps": 25}]},
    ]), encoding="utf-8")  # fmt: skip
    assert signkit("lexicon", str(tmp_path / "WLASL_v0.3.json"), "-o", str(tmp_path / "wlasl")).returncode == 0
    rows = _index(tmp_path / "wlasl")
    assert [r["glosses"] for r in rows] == ["HOUSE", "DIFFERENT"]
    assert int(rows[0]["start"]) >= 9 * 1000 / 25 and int(rows[1]["end"]) <= round(40 * 1000 / 29.97)
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "train.csv").write_text("Participant ID,Video file,Gloss,ASL-LEX Code\n"
                                                   "P1,00001.mp4,HOUSE,A_01_001\nP2,00002.mp4,DIFFERENT,B_02_002\n")  # fmt: skip
    result = signkit("lexicon", str(tmp_path / "splits" / "train.csv"), "-o", str(tmp_path / "citizen"))
    assert result.returncode == 0, result.stderr.decode()
    assert [r["glosses"] for r in _index(tmp_path / "citizen")] == ["HOUSE", "DIFFERENT"]
    (tmp_path / "bad.json").write_text('[{"gloss": "x"}]')
    assert_error(signkit("lexicon", str(tmp_path / "bad.json"), "-o", str(tmp_path / "y")), "bad.json: entry 1 is not WLASL's layout")
