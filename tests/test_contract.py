"""The command contract: exit codes, one-line errors, stdin/stdout, atomic outputs, fast help."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading

import pytest

from conftest import assert_error, signkit
from signkit.cli import COMMANDS
from signkit.pose.io import read_sequences

GOOD_FRAME = " ".join(["0.1"] * 150 + ["0.0"])
HEAVY = {"torch", "cv2", "av", "h5py", "diffusers", "transformers", "mediapipe", "simplemma"}


def test_empty_stdin():
    assert_error(signkit("render", input=b""), "<stdin>: empty input")
    assert_error(signkit("t2p", input=b"\n  \n"), "<stdin>: empty input")


def test_skels_line_not_whole_frames(tmp_path):
    bad = tmp_path / "bad.skels"
    bad.write_text(GOOD_FRAME + "\n" + GOOD_FRAME + " 0.5 0.5\n")
    # render makes one video of all its sequences: a bad one is named and nothing is written (convert,
    # which writes one output per sequence, writes the good ones: test_reliability)
    out = tmp_path / "out.mp4"
    assert_error(signkit("render", str(bad), "-o", str(out)), "bad.skels:2:", "not a whole number of frames")
    assert list(tmp_path.iterdir()) == [bad]


def test_garbage_bytes(tmp_path):
    garbage = bytes(range(256)) * 4
    assert_error(signkit("render", "-o", str(tmp_path / "x.mp4"), input=garbage), "<stdin>")
    assert_error(signkit("info", input=garbage), "<stdin>")
    assert not list(tmp_path.iterdir())


def test_missing_file(tmp_path):
    assert_error(signkit("info", str(tmp_path / "nope.skels")), "nope.skels: no such file")
    assert_error(signkit("t2p", str(tmp_path / "nope.txt")), "nope.txt: no such file")


def test_unknown_gloss_without_fingerspelling(tmp_path):
    out = tmp_path / "out.pose"
    result = signkit("t2p", "--from", "gloss", "--no-fingerspell", "-o", str(out), input="HELLO\n")
    assert_error(result, "<stdin>:1:", "'HELLO'", "fingerspelling is off")
    assert not list(tmp_path.iterdir())


def test_bad_usage_exits_2():
    result = signkit("convert", "--to", "docx")
    assert result.returncode == 2 and b"docx" in result.stderr
    assert signkit("no-such-command").returncode == 2


def test_traceback_only_when_asked(tmp_path):
    missing = str(tmp_path / "nope.skels")
    assert b"Traceback" not in signkit("info", missing).stderr
    assert b"Traceback" in signkit("info", missing, env={"SIGNKIT_DEBUG": "1"}).stderr
    assert b"Traceback" in signkit("info", "-v", missing).stderr


def test_closed_pipe_ends_quietly(data):
    text = data / "how2sign-text" / "test.en.txt"
    command = f"{sys.executable} -m signkit t2p {text} | head -c 10"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"" and len(result.stdout) == 10


def _run_with_terminal(args: list[str], stdin_tty: bool, input: bytes = b"") -> tuple[int, bytes]:
    controller, terminal = pty.openpty()
    stdin = terminal if stdin_tty else subprocess.PIPE
    process = subprocess.Popen([sys.executable, "-m", "signkit", *args], stdin=stdin,
                               stdout=terminal if not stdin_tty else subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    _, stderr = process.communicate(input=None if stdin_tty else input, timeout=120)
    os.close(controller)
    os.close(terminal)
    return process.returncode, stderr


def test_binary_output_refused_on_a_terminal():
    code, stderr = _run_with_terminal(["convert", "--to", "h5"], stdin_tty=False, input=GOOD_FRAME.encode())
    assert code == 1 and b"refusing to write binary data to a terminal" in stderr


def test_binary_input_from_a_terminal_is_refused_not_awaited():
    code, stderr = _run_with_terminal(["render"], stdin_tty=True)
    assert code == 1 and b"standard input is a terminal" in stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_light_help(command):
    """`signkit COMMAND --help` prints its usage without importing torch, OpenCV, PyAV or a model
    library (what made help slow; its time is printed by benchmarks/main_job.py)."""
    code = (f"import sys; from signkit.cli import main; sys.argv = ['signkit', {command!r}, '--help']\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            f"print(sorted({HEAVY!r} & set(sys.modules)))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    shown = result.stdout.decode()
    assert shown.startswith(f"Usage: signkit {command} "), shown
    assert shown.strip().splitlines()[-1] == "[]", shown


def test_heavy_imports_are_seen():
    """The check above can fail: a module that imports torch is listed."""
    code = f"import signkit.transformer.model, sys; print(sorted({HEAVY!r} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert "'torch'" in result.stdout.decode(), result.stderr.decode()


def _drawn_on_a_terminal(args: list[str], stdin: bytes) -> tuple[subprocess.CompletedProcess, str]:
    """Run signkit with stderr on a pseudo-terminal; returns the process and what it drew there,
    ANSI escape sequences removed."""
    controller, terminal = pty.openpty()
    drawn = []

    def read():
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            drawn.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        process = subprocess.run([sys.executable, "-m", "signkit", *args], input=stdin, stderr=terminal,
                                 stdout=subprocess.PIPE, timeout=120)  # fmt: skip
    finally:
        os.close(terminal)
        reader.join(10)
        os.close(controller)
    return process, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(drawn).decode("utf-8", "replace"))


def test_progress_bar_on_a_terminal(tmp_path):
    process, drawn = _drawn_on_a_terminal(["t2p", "-o", str(tmp_path / "x.h5")], b"hello\nyes\n")
    assert process.returncode == 0 and len(list(read_sequences(tmp_path / "x.h5"))) == 2
    assert re.search(r"t2p .*\b0/2\b", drawn), drawn  # the bar starts at none of the two lines
    assert re.search(r"t2p .*\b2/2\b.*lines/s", drawn), drawn  # and ends at both, with a rate
    quiet = signkit("t2p", "-o", str(tmp_path / "y.h5"), input=b"hello\nyes\n")
    assert quiet.returncode == 0 and quiet.stderr == b""  # stderr not a terminal: no bar


def test_render_output_safety(data, tmp_path):
    skels = str(data / "phoenix14t" / "sample" / "dev.skels")
    assert_error(signkit("render", skels, "-o", str(tmp_path / "clip.mkv")), "unknown video format '.mkv'")
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    assert_error(signkit("render", skels, "-o", str(keep)), "holds other files than PNG frames")
    assert (keep / "notes.txt").read_text() == "mine"
    frames, fresh = tmp_path / "frames", tmp_path / "fresh"
    assert signkit("render", skels, "-o", str(frames)).returncode == 0
    assert len(list(frames.glob("*.png"))) == 536  # dev.skels: five sentences, 536 frames
    hello = str(data / "asl-lexicon" / "ase" / "hello.pose")  # 51 frames: the folder's frames are replaced, none left over
    assert signkit("render", hello, "-o", str(frames)).returncode == 0
    assert signkit("render", hello, "-o", str(fresh)).returncode == 0
    replaced = sorted(frames.iterdir())
    assert [p.name for p in replaced] == [p.name for p in sorted(fresh.iterdir())] and len(replaced) == 51
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(replaced, sorted(fresh.iterdir())))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_usage_errors_come_before_input(tmp_path):
    missing = str(tmp_path / "missing.skels")
    for args in (["convert", missing, "--layout", "holistic"], ["render", missing, "--size", "0x0"],
                 ["render", missing, "--to", "png"], ["render", missing, "--background", "nope"],
                 ["t2p", missing, "--from", "video"]):  # fmt: skip
        result = signkit(*args)
        assert result.returncode == 2, (args, result.stderr)


@pytest.mark.parametrize("command", ["train-t2p", "train-t2g", "train-g2p", "train-bt", "train-diff"])
def test_training_options_carry_diffusers_names(command):
    """Every train-* command shows the one set of training options under diffusers' names; the
    old names are hidden aliases (the recipes' tests still use them)."""
    shown = signkit(command, "--help").stdout.decode()
    for name in ("--output-dir", "--max-steps", "--batch-size", "--learning-rate", "--checkpointing-steps",
                 "--checkpoints-total-limit", "--validation-steps", "--resume-from-checkpoint", "--mixed-precision"):  # fmt: skip
        assert name in shown, (command, name)
    for old in ("--checkpoint-every", "--validate-every", "--validation-every", "--output "):
        assert old not in shown, (command, old)
    missing = signkit(command, "x", "--max-steps", "1", *(["--base", "tiny"] if command == "train-diff" else []))
    assert missing.returncode == 2 and b"-o/--output-dir" in missing.stderr, missing.stderr


def test_extract_refuses_a_terminal_before_it_works():
    """The refusal came after about 10 s of extraction: it comes first now, before the input is even
    looked at (a missing file is not reported)."""
    code, stderr = _run_with_terminal(["extract", "no-such-video.mp4"], stdin_tty=False)
    assert code == 1 and b"refusing to write binary data to a terminal" in stderr and b"no-such-video" not in stderr


@pytest.mark.parametrize("device", ["foo", "cuda"])
def test_a_device_torch_cannot_use_is_a_usage_error(device, monkeypatch):
    """--device foo and --device cuda without CUDA ended in "internal error"; now exit 2 naming it,
    before the model is read (the folder named does not exist). CUDA is hidden for the check."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    result = signkit("backtranslate", "--model", "no-such-model", "--device", device, input=GOOD_FRAME)
    assert result.returncode == 2, result.stderr.decode()
    assert f"'{device}'" in result.stderr.decode() and "no-such-model" not in result.stderr.decode()


@pytest.mark.parametrize("args, stdin", [(("t2p", "--from", "gloss"), b"HELLO\n"), (("t2g", "--model", "nowhere"), b"am tag\n"),
                                         (("render", "-o", "-"), b"1 2 3\n")])  # fmt: skip
def test_a_warm_command_is_the_cold_one(args, stdin, tmp_path):
    """The suite's commands, forked from the warm server (tests/warm_signkit.py), write the bytes,
    errors and exit status of ``python -m signkit`` started afresh, in the same folder."""
    cold = subprocess.run([sys.executable, "-m", "signkit", *args], input=stdin, capture_output=True, cwd=tmp_path,
                          timeout=300)  # fmt: skip
    warm = signkit(*args, input=stdin, cwd=tmp_path)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert cold.returncode == (0 if args[0] == "t2p" else 1)
