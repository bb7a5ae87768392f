"""Reliability (issue 18): hostile and oversized input (a lexicon confined to its folder, devices
refused, bounded lines and cues), nothing lost or overwritten (one name from two inputs, no empty
folder, no stale clips), SIGTERM, and errors that name the place (damaged models and checkpoints,
an -o folder that is a file)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import assert_error, read_log, signkit
from signkit.pose.io import read_sequences
from signkit.pose.layouts import component_slice

INDEX = "path,spoken_language,signed_language,start,end,words,glosses,priority\n"


@pytest.fixture
def hostile(data, tmp_path):
    """A lexicon folder ``lexicon`` with one good sign (HELLO, row 2) and, beside it, a FIFO
    ``outside/secret.pose``: opening it would block, so a command that ends at all did not open it.
    Returns ``(lexicon, secret)``; each test writes row 3 of the index."""
    lexicon, outside = tmp_path / "lexicon", tmp_path / "outside"
    lexicon.mkdir()
    outside.mkdir()
    shutil.copy(data / "asl-lexicon" / "ase" / "hello.pose", lexicon / "hello.pose")
    os.mkfifo(outside / "secret.pose")
    return lexicon, outside / "secret.pose"


def _sign_secret(lexicon, row: str):
    """`signkit t2p --from gloss` of HELLO SECRET with row 3 ``row`` (its path) naming SECRET; at
    most 60 s: a FIFO opened would block it for ever."""
    (lexicon / "index.csv").write_text(f"{INDEX}hello.pose,en,ase,0,0,hello,HELLO,0\n{row},en,ase,0,0,secret,SECRET,0\n",
                                       encoding="utf-8")  # fmt: skip
    return subprocess.run([sys.executable, "-m", "signkit", "t2p", "--from", "gloss", "--lexicon", str(lexicon)],
                          input=b"HELLO SECRET\n", capture_output=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize("kind", ["relative", "absolute", "symlink", "device", "symlink to a device", "fifo"])
def test_a_lexicon_reads_nothing_outside_its_folder(hostile, kind):
    lexicon, secret = hostile
    if kind == "symlink":
        (lexicon / "link.pose").symlink_to(secret)
    elif kind == "symlink to a device":
        (lexicon / "link.pose").symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(lexicon / "fifo.pose")
    row = {"relative": "../outside/secret.pose", "absolute": str(secret), "device": "/dev/zero", "fifo": "fifo.pose"}
    result = _sign_secret(lexicon, row.get(kind, "link.pose"))
    reason = {"fifo": "is not a regular file", "symlink": "leads outside the lexicon folder",
              "symlink to a device": "leads outside the lexicon folder"}.get(kind, "is outside the lexicon folder")  # fmt: skip
    assert_error(result, f"{lexicon / 'index.csv'}:3: ", reason)


def test_a_lexicon_clip_has_a_size_bound(hostile, monkeypatch):
    """A clip larger than MAX_CLIP_BYTES is refused before it is parsed, naming its row (the
    bound lowered here to the 51-frame hello.pose's size less one byte)."""
    from signkit.errors import SignkitError
    from signkit.lexicons import lexicon as lexicons

    folder, _ = hostile
    (folder / "index.csv").write_text(f"{INDEX}hello.pose,en,ase,0,0,hello,HELLO,0\n", encoding="utf-8")
    (entry,) = lexicons.read_index(folder)
    monkeypatch.setattr(lexicons, "MAX_CLIP_BYTES", (folder / "hello.pose").stat().st_size - 1)
    with pytest.raises(SignkitError, match=rf"^{folder / 'index.csv'}:2: .*hello.pose is larger than [0-9,]+ bytes"):
        lexicons.load_clip.__wrapped__(entry)


def test_a_good_lexicon_still_signs(hostile):
    lexicon, _ = hostile
    (lexicon / "index.csv").write_text(f"{INDEX}./hello.pose,en,ase,0,0,hello,HELLO,0\n", encoding="utf-8")
    result = signkit("t2p", "--from", "gloss", "--lexicon", str(lexicon), "-v", input="HELLO\n")
    assert result.returncode == 0 and "<stdin>:1: HELLO" in result.stderr.decode() and result.stdout


def test_devices_are_refused_not_read():
    """`signkit info /dev/zero` read until memory ran out."""
    result = subprocess.run([sys.executable, "-m", "signkit", "info", "/dev/zero"], capture_output=True, timeout=60)
    assert_error(result, "/dev/zero: a device, not a file")


def test_extract_refuses_two_inputs_of_one_name_before_any_work(data, tmp_path):
    """a/clip.mp4 and b/clip.mp4 were both written to DIR/clip.pose, the second over the first."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "clip.mp4").symlink_to(data / "videos" / "asl_house.mp4")
    first, second = str(tmp_path / "a" / "clip.mp4"), str(tmp_path / "b" / "clip.mp4")
    for output in ("poses", "poses.h5"):
        result = signkit("extract", first, second, "-o", str(tmp_path / output))
        assert_error(result, f"{first} and {second} would both be written as 'clip'")
        assert not (tmp_path / output).exists()


def test_a_failed_extract_leaves_no_empty_folder(tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    result = signkit("extract", str(tmp_path / "broken.mp4"), "-o", str(tmp_path / "poses"))
    assert result.returncode == 1 and "broken.mp4" in result.stderr.decode()
    assert not (tmp_path / "poses").exists()
    (tmp_path / "kept").mkdir()  # a folder that was there before stays
    assert signkit("extract", str(tmp_path / "broken.mp4"), "-o", str(tmp_path / "kept")).returncode == 1
    assert (tmp_path / "kept").is_dir()


def test_a_line_of_a_megabyte_is_refused_naming_it(tmp_path):
    """t2p ran past 120 s on one line of 1 MB, asking for a 4.39 GiB array; score rouge filled 23 GB.
    Now each says which line before any work: the second line here (the first is ordinary)."""
    big = "hello " * (2**20 // 6)
    result = signkit("t2p", input=f"hello\n{big}\n")
    assert_error(result, "<stdin>:2: a line of 1,048,572 characters; a sentence may have 4,000 at most")
    (tmp_path / "ref.txt").write_text(f"hello\n{big}\n", encoding="utf-8")
    result = signkit("score", "rouge", str(tmp_path / "ref.txt"), "-i", str(tmp_path / "ref.txt"))
    assert_error(result, f"{tmp_path / 'ref.txt'}:2: more than 1,000 words")


def test_t2p_writes_each_sequence_as_it_is_made(data):
    """t2p held every sequence until the last line was signed (a 2 MB file: 1.3 GB after 10 s and
    nothing written; 100 MB would have needed about 90 GB). It streams: the lines before one it
    cannot sign have reached the pipe when it stops, naming that line."""
    result = signkit("t2p", "--from", "gloss", "--no-fingerspell", "--lexicon", str(data / "asl-lexicon"),
                     input="HELLO\nHELLO\nXQZW\n")  # fmt: skip
    assert result.returncode == 1 and "<stdin>:3" in result.stderr.decode(), result.stderr.decode()
    assert len(result.stdout.decode().splitlines()) == 2


def test_a_cue_at_hour_999999_is_refused_naming_it():
    """It asked for 49.1 TiB of frames ("internal error: MemoryError", the cue not named)."""
    srt = "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n999999:00:00,000 --> 999999:00:01,000\nthank you\n"
    result = signkit("t2p", input=srt)
    assert_error(result, "<stdin>:6: cue 2: ends at 3,599,996,401.000 s, past the 24 hours")


@pytest.mark.parametrize("command", ["clean", "lift3d"])
def test_one_name_from_two_files_is_refused_naming_both(command, data, tmp_path):
    """clean and lift3d to one .h5 refused a duplicate sequence name without saying whose."""
    for folder, sentence in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.pose").symlink_to(data / "dgs-sentences" / "train" / f"train_{sentence}_original.pose")
    first, second = tmp_path / "a" / "x.pose", tmp_path / "b" / "x.pose"
    result = signkit(command, str(first), str(second), "-o", str(tmp_path / "out.h5"))
    assert_error(result, f"{first} and {second} both hold a sequence named 'x'")
    assert not (tmp_path / "out.h5").exists()


@pytest.mark.parametrize("command", ["clean", "lift3d", "convert"])
def test_a_bad_sequence_is_named_and_every_good_one_written(command, data, tmp_path):
    """lift3d and clean on a .skels whose line 2 is bad wrote sequence 1 and dropped the good
    sequence 3. The rule of every command that writes one output per sequence: the bad sequence
    is named with its file and line, every good one is written, in order, and the exit status is 1."""
    lines = (data / "phoenix14t" / "sample" / "dev.skels").read_text(encoding="utf-8").splitlines()[:3]
    lines[1] = lines[1].replace(" ", " oops ", 1)
    (tmp_path / "in.skels").write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra = ["--no-trim"] if command == "clean" else []
    result = signkit(command, str(tmp_path / "in.skels"), *extra, "-o", str(tmp_path / "out.h5"))
    assert result.returncode == 1
    assert f"{tmp_path / 'in.skels'}:2: 'oops' is not a number" in result.stderr.decode()
    assert [s.name for s in read_sequences(tmp_path / "out.h5")] == ["000001", "000003"]


def test_a_bad_h5_sequence_is_named_and_every_good_one_written(data, tmp_path):
    """The same rule for the groups of an .h5 file: one without its frame rate is named."""
    import h5py

    assert signkit("convert", str(data / "phoenix14t" / "sample" / "dev.skels"), "-o", str(tmp_path / "in.h5")).returncode == 0
    names = [s.name for s in read_sequences(tmp_path / "in.h5")]
    with h5py.File(tmp_path / "in.h5", "a") as h5:
        del h5[names[1]].attrs["fps"]
    result = signkit("convert", str(tmp_path / "in.h5"), "-o", str(tmp_path / "out.skels"))
    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == [
        f"Error: {tmp_path / 'in.h5'}: sequence {names[1]}: no 'fps' attribute (its frame rate)",
        "Error: 1 input or sequence failed (each named above); the other 4 sequences were written"]
    assert [s.name for s in read_sequences(tmp_path / "out.skels")] == names[:1] + names[2:]


def test_one_definition_of_a_missing_point(data, tmp_path):
    """info said 0% of the hand points were missing in a .pose whose hands are NaN with
    confidence 1 (as other tools write them), convert marked them missing. A point is missing
    when a value is NaN, when it is masked or when its confidence is 0, for every command."""
    import numpy as np
    from pose_format import Pose
    from pose_format.numpy import NumPyPoseBody

    pose = Pose.read((data / "asl-lexicon" / "ase" / "hello.pose").read_bytes())
    values = np.ma.filled(pose.body.data.astype(np.float32), np.nan)  # masked -> NaN, confidence 1 everywhere
    body = NumPyPoseBody(fps=pose.body.fps, data=np.ma.masked_array(values, mask=np.zeros(values.shape, bool)),
                         confidence=np.ones(pose.body.confidence.shape, np.float32))  # fmt: skip
    with (tmp_path / "nan.pose").open("wb") as file:
        Pose(pose.header, body).write(file)
    expected = {c.name: float(np.isnan(values[:, 0, component_slice(pose.header, c.name)]).any(axis=-1).mean())
                for c in pose.header.components}  # fmt: skip
    assert expected["LEFT_HAND_LANDMARKS"] == 1.0 and 0.9 < expected["FACE_LANDMARKS"] < 1
    assert signkit("convert", str(tmp_path / "nan.pose"), "-o", str(tmp_path / "nan.h5")).returncode == 0
    for file in ("nan.pose", "nan.h5"):
        missing = json.loads(signkit("info", "--json", str(tmp_path / file)).stdout)["missing"]
        assert missing == pytest.approx(expected), file
    (sequence,) = read_sequences(tmp_path / "nan.h5")
    assert np.array_equal(sequence.pose.body.confidence[:, 0] == 0, np.isnan(values[:, 0]).any(axis=-1))


def _terminated_when(args: list[str], ready, timeout: float = 120) -> tuple[subprocess.CompletedProcess, list]:
    """Start `signkit ARGS`, send it SIGTERM once ``ready(process)`` holds (polled), and return the
    finished process with the child processes it had at that moment (psutil)."""
    import time

    import psutil

    process = subprocess.Popen([sys.executable, "-m", "signkit", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + timeout
    while not ready(process):
        assert process.poll() is None and time.monotonic() < deadline, "the command ended before the signal"
        time.sleep(0.05)
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(args, process.returncode, b"", stderr), children


def test_sigterm_mid_render_leaves_no_temporary_file(data, tmp_path):
    """render -o out.mp4 left .out.mp4.<pid>.tmp behind when stopped by timeout, make or Slurm."""
    result, _ = _terminated_when(["render", str(data / "phoenix14t" / "sample" / "dev.skels"), "-o",
                                  str(tmp_path / "out.mp4")], lambda _: any(tmp_path.glob(".out.mp4.*.tmp")))  # fmt: skip
    assert result.returncode == 143 and result.stderr.decode().splitlines()[-1] == "Terminated."
    assert list(tmp_path.iterdir()) == []


def test_sigterm_ends_the_extraction_workers(data, tmp_path):
    """extract --workers 2 left its two workers running for 90 s and more after it ended."""
    import psutil

    videos = data / "videos"
    result, children = _terminated_when(
        ["extract", str(videos / "asl_house.mp4"), str(videos / "asl_different.mp4"), "--workers", "2", "-o",
         str(tmp_path / "poses")], lambda process: len(psutil.Process(process.pid).children()) >= 2)  # fmt: skip
    assert result.returncode == 143, result.stderr.decode()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], alive


SMALL = ["--d-model", "16", "--heads", "2", "--layers", "1", "--feed-forward", "32", "--batch-size", "5"]


@pytest.fixture(scope="module")
def small_models(tmp_path_factory):
    """A t2p and a back-translation model of 2 steps on the PHOENIX14T sample, with a checkpoint at
    each step (the t2p one's kept), a text-to-gloss model of 2 steps on 32 PHOENIX14T sentences
    and a gloss-to-pose (SLP-MoE) model of 2 steps on the DGS sentences."""
    from conftest import shared_data

    data, folder = shared_data(), tmp_path_factory.mktemp("small")
    sample = data / "phoenix14t" / "sample"
    lines = (data / "phoenix14t" / "annotations" / "train.csv").read_text(encoding="utf-8").splitlines()[:33]
    (folder / "weather.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for command, name, source in (("train-t2p", "t2p", sample / "train.skels"), ("train-bt", "bt", sample / "train.skels"),
                                  ("train-t2g", "t2g", folder / "weather.csv")):  # fmt: skip
        result = signkit(command, str(source), "-o", str(folder / name), *SMALL, "--max-steps", "2",
                         "--checkpoint-every", "1")  # fmt: skip
        assert result.returncode == 0, result.stderr.decode()
    result = signkit("train-g2p", str(data / "dgs-sentences" / "train"), "-o", str(folder / "g2p"), "--max-steps", "2")
    assert result.returncode == 0, result.stderr.decode()
    return folder, sample


def _damaged(folder, name, tmp_path):
    """A copy of a model folder with ``name`` cut to half its bytes."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    data = (copy / name).read_bytes()
    (copy / name).write_bytes(data[: len(data) // 2])
    return copy


def test_a_truncated_model_is_named(small_models, tmp_path):
    """t2p --model, backtranslate, t2g and the hierarchy's g2p model with a truncated
    model.safetensors printed "internal error" (the renderer's ControlNet: test_diffusion)."""
    folder, sample = small_models
    t2p = _damaged(folder / "t2p", "model.safetensors", tmp_path / "a")
    assert_error(signkit("t2p", "--model", str(t2p), input="am tag\n"), f"{t2p}: not a readable", "SafetensorError")
    bt = _damaged(folder / "bt", "model.safetensors", tmp_path / "b")
    assert_error(signkit("backtranslate", "--model", str(bt), str(sample / "dev.skels")), f"{bt}: not a readable",
                 "SafetensorError")  # fmt: skip
    t2g = _damaged(folder / "t2g", "model.safetensors", tmp_path / "c")
    assert_error(signkit("t2g", "--model", str(t2g), input="am tag\n"), f"{t2g}: not a readable", "SafetensorError")
    g2p = _damaged(folder / "g2p", "model.safetensors", tmp_path / "d")
    assert_error(signkit("t2p", "--pipeline", "hierarchical", "--from", "gloss", "--g2p-model", str(g2p), input="HAUS\n"),
                 f"{g2p}: not a readable", "SafetensorError")  # fmt: skip


@pytest.mark.parametrize("damage", ["optimizer.bin", "random_states_0.pkl", "--d-model 32"])
def test_a_checkpoint_that_cannot_resume_is_named(small_models, damage, tmp_path):
    """A truncated optimizer.bin and another --d-model printed "internal error" (a 39-line size
    mismatch); an unreadable random-state file was skipped quietly, resuming on other random numbers."""
    folder, sample = small_models
    options = SMALL
    if damage.startswith("--"):
        model = shutil.copytree(folder / "t2p", tmp_path / "t2p")
        options = [*SMALL[:1], "32", *SMALL[2:]]
    else:
        model = _damaged(folder / "t2p" / "checkpoints" / "checkpoint-2", damage, tmp_path / "c")
        model = shutil.copytree(folder / "t2p", tmp_path / "t2p", ignore=shutil.ignore_patterns("checkpoint-2"))
        shutil.copytree(tmp_path / "c" / "checkpoint-2", model / "checkpoints" / "checkpoint-2")
    result = signkit("train-t2p", str(sample / "train.skels"), "-o", str(model), *options, "--max-steps", "3",
                     "--resume-from-checkpoint", "latest")  # fmt: skip
    checkpoint = model / "checkpoints" / "checkpoint-2"
    assert_error(result, f"{checkpoint}: cannot resume from this checkpoint",
                 "a model of other options" if damage.startswith("--") else "")  # fmt: skip


def test_an_output_folder_that_is_a_file_is_named(data, tmp_path):
    (tmp_path / "taken").write_text("a file\\n", encoding="utf-8")
    assert_error(signkit("lexicon", str(data / "dgs-sentences" / "train"), "-o", str(tmp_path / "taken")),
                 f"{tmp_path / 'taken'}: a file is there")  # fmt: skip
    assert_error(signkit("train-t2p", str(data / "phoenix14t" / "sample" / "train.skels"), "-o", str(tmp_path / "taken"),
                         "--max-steps", "1"), f"{tmp_path / 'taken'}: a file is there")  # fmt: skip


def test_a_lexicon_written_again_keeps_only_the_clips_it_names(data, tmp_path):
    """Re-running `signkit lexicon` into a folder left the earlier run's clips (190 clips for 92 rows)."""
    train = data / "dgs-sentences" / "train"
    assert signkit("lexicon", str(train), "-o", str(tmp_path / "lexicon")).returncode == 0
    one = [str(train / "train_1_metadata.json")]
    assert signkit("lexicon", *one, "-o", str(tmp_path / "lexicon")).returncode == 0
    with open(tmp_path / "lexicon" / "index.csv", newline="", encoding="utf-8") as file:
        named = sorted(row["path"] for row in csv.DictReader(file))
    assert named and sorted(f"clips/{p.name}" for p in (tmp_path / "lexicon" / "clips").iterdir()) == named


def test_a_failed_train_diff_runs_again_on_its_pairs(data, tmp_path):
    """A train-diff that failed after building its pairs refused its own retry ("holds training
    pairs already; give a new folder"). Pairs of the same videos and settings are used again;
    of other settings, refused naming the folder; a build that did not finish (no
    metadata.jsonl), built again from nothing."""
    from signkit.renderer.controlnet import build_base

    video = data / "videos" / "autsl_signer0_sample1000.mp4"
    args = [str(video), "--keypoints", str(video.with_suffix(".holistic.pose")), "--resolution", "64", "--every", "3",
            "--max-steps", "1", "--batch-size", "2", "--inference-steps", "2", "-o", str(tmp_path / "m")]  # fmt: skip
    (tmp_path / "empty").mkdir()
    failed = signkit("train-diff", *args, "--base", str(tmp_path / "empty"))
    assert failed.returncode == 1 and (tmp_path / "m" / "pairs" / "metadata.jsonl").is_file(), failed.stderr.decode()
    base = str(build_base(tmp_path / "base", "tiny", seed=0))
    again = signkit("train-diff", *args, "--base", base)
    assert again.returncode == 0, again.stderr.decode()
    assert f"{tmp_path / 'm' / 'pairs'}: its 15 pairs, of these videos and settings, used again" in again.stderr.decode()
    assert_error(signkit("train-diff", *args, "--base", base, "--resolution", "128"),
                 f"{tmp_path / 'm' / 'pairs'}: holds pairs of other videos or settings (resolution)")  # fmt: skip
    (tmp_path / "m" / "pairs" / "metadata.jsonl").unlink()
    (tmp_path / "m" / "pairs" / "image" / "stray.png").write_bytes(b"from a build that stopped")
    rebuilt = signkit("train-diff", *args, "--base", base)
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()
    assert (tmp_path / "m" / "pairs" / "metadata.jsonl").is_file()
    assert sorted(p.name for p in (tmp_path / "m" / "pairs" / "image").iterdir()) == [
        json.loads(row)["file_name"].split("/")[-1]
        for row in sorted((tmp_path / "m" / "pairs" / "metadata.jsonl").read_text().splitlines())]


def test_video_from_standard_input(data):
    """`signkit frnet - < video.mp4` said "-: no such file or folder" and `signkit frnet < video.mp4`
    asked for an argument; extract said "-: no such file" after starting."""
    video = data / "videos" / "asl_house.mp4"
    named = signkit("frnet", str(video))
    assert named.returncode == 0, named.stderr.decode()
    for args in (["frnet", "-"], ["frnet"]):
        piped = signkit(*args, input=video.read_bytes())
        assert piped.returncode == 0 and piped.stdout == named.stdout, piped.stderr.decode()
    assert_error(signkit("extract", "-", input=video.read_bytes()), "extract reads videos and folders by name")


def _resume_case(command: str, data, folder) -> list[str]:
    """A train-* command's inputs and small options, with batches that make an epoch of several
    steps (so that step 10 falls within one)."""
    sample = data / "phoenix14t" / "sample"
    if command in ("train-t2p", "train-bt"):
        return [str(sample / "train.skels"), *SMALL[:-1], "2"]  # 5 sequences, 3 steps an epoch
    if command == "train-t2g":
        lines = (data / "phoenix14t" / "annotations" / "train.csv").read_text(encoding="utf-8").splitlines()[:33]
        (folder / "weather.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [str(folder / "weather.csv"), *SMALL]  # 32 sentences, 7 steps an epoch
    if command == "train-g2p":
        return [str(data / "dgs-sentences" / "train"), "--batch-size", "4"]  # 16 sentences, 4 steps
    from signkit.renderer.controlnet import build_base

    video = data / "videos" / "autsl_signer0_sample1000.mp4"  # every third of 43 frames: 8 steps an epoch
    return [str(video), "--keypoints", str(video.with_suffix(".holistic.pose")), "--base",
            str(build_base(folder / "base", "tiny", seed=0)), "--resolution", "64", "--every", "3",
            "--batch-size", "2", "--inference-steps", "2"]  # fmt: skip


@pytest.mark.parametrize("command", ["train-t2p", "train-bt", "train-t2g", "train-g2p", "train-diff"])
def test_a_resume_within_an_epoch_continues_as_without_the_interruption(command, data, tmp_path):
    """20 steps of train-t2p gave a step-20 loss of 8.9806 every time, resumed from checkpoint-10
    9.06563 every time: the loader's start drew from torch's global generator, shifting the
    noise of every later step. Now the log after the resume is the uninterrupted run's."""
    arguments = _resume_case(command, data, tmp_path)
    common = [*arguments, "--max-steps", "20", "--checkpoint-every", "10", "--validate-every", "0"]
    whole = signkit(command, *common, "-o", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr.decode()
    shutil.copytree(tmp_path / "whole", tmp_path / "resumed")
    resumed = signkit(command, *common, "-o", str(tmp_path / "resumed"), "--resume-from-checkpoint",
                      str(tmp_path / "resumed" / "checkpoints" / "checkpoint-10"))  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert read_log(tmp_path / "resumed", "train_loss") == read_log(tmp_path / "whole", "train_loss")
    assert sorted(read_log(tmp_path / "whole", "train_loss")) == [10, 20]


def test_output_to_a_device_or_pipe_is_written_in_place(tmp_path):
    """`-o /dev/null` renamed a temporary file over the device, turning /dev/null into a regular file for every
    program after it (and wrote /dev/null.text beside it). A named pipe stands in for the device here: it stays a
    pipe, the reader gets the one sequence, and no sibling is written beside it; so does render's MP4."""
    import stat
    import threading

    for args, source in ((["t2p"], b"hello\n"), (["render"], None)):
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        received = []
        reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)
        reader.start()
        if source is None:  # render reads a sequence made beforehand
            source = signkit("t2p", input=b"hello\n").stdout
        result = signkit(*args, "-o", str(fifo), input=source)
        reader.join(30)
        assert result.returncode == 0, result.stderr.decode()
        assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received, args
        assert received[0].count(b"\n") == 1 if args == ["t2p"] else received[0][4:8] == b"ftyp"
        assert [path.name for path in tmp_path.iterdir()] == ["pipe"]
        fifo.unlink()
