"""Documentation: man pages match the real help, every command is documented, and every example
runs and writes what it says (read back, not only an exit status)."""

from __future__ import annotations

import csv
import importlib
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import av
import cv2
import jiwer
import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import WARM, shared_data, signkit
from signkit.evaluate.distances import DISTANCES
from signkit.cli import COMMANDS
from signkit.manpages import pages
from signkit.pose.io import read_sequences
from references import plain_dtw_mje, read_skels

ROOT = Path(__file__).resolve().parents[1]
POSES = (".pose", ".skels", ".h5")


def examples(name: str) -> list[str]:
    return importlib.import_module(f"signkit.commands.{name.replace('-', '_')}").EXAMPLES


def test_man_pages_are_up_to_date():
    expected = pages()
    written = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "man").glob("*.1")}
    assert written == expected, "man pages are stale: run `make man`"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name):
    module = importlib.import_module(f"signkit.commands.{name.replace('-', '_')}")
    assert module.__doc__ and len(module.__doc__.strip()) > 40
    assert module.EXAMPLES
    assert f"signkit {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, list[tuple[str, subprocess.CompletedProcess, Path]]]:
    """Every command's examples, in order, in one folder per command beside a copy of nothing but
    what its earlier examples wrote. An example that another command documents word for word (the
    training runs of signkit.commands.examples, the main job) runs once: its outputs are copied."""
    shared = str(shared_data().parent)
    done: dict[str, tuple[subprocess.CompletedProcess, list[Path]]] = {}
    runs = {}
    for name in COMMANDS:
        folder = tmp_path_factory.mktemp(name)
        runs[name] = []
        for example in examples(name):
            if example in done:
                result, written = done[example]
                for path in written:
                    copy = shutil.copytree if path.is_dir() else shutil.copy2
                    copy(path, folder / path.name)
            else:
                before = set(folder.iterdir())
                command = example.replace("../shared", shlex.quote(shared))
                command = re.sub(r"(^|\| |&& )signkit ", lambda m: f"{m.group(1)}{shlex.quote(sys.executable)} {shlex.quote(str(WARM))} ", command)
                result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=folder, capture_output=True,
                                        timeout=600)  # fmt: skip
                done[example] = result, sorted(set(folder.iterdir()) - before)
            runs[name].append((example, result, folder))
    return runs


def _frames(path: Path) -> int:
    """Frames of a pose file (every sequence), an MP4 (decoded by PyAV) or a PNG folder."""
    if path.suffix in POSES:
        return sum(sequence.frames for sequence in read_sequences(path))
    if path.is_dir():
        return len(list(path.glob("*.png")))
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _check_written(path: Path) -> None:
    """What an example wrote reads back as what its name says, with content."""
    if path.suffix in POSES:
        sequences = list(read_sequences(path))
        assert sequences and all(s.frames > 0 and np.isfinite(s.pose.body.data.filled(np.nan)).any() for s in sequences), path
    elif path.suffix == ".mp4":
        with av.open(str(path)) as container:
            frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
        assert frames and max(frame.std() for frame in frames) > 0, f"{path}: no frame or nothing drawn"
    elif path.is_dir() and (path / "index.csv").is_file():  # a lexicon
        with open(path / "index.csv", newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert rows, path
        for row in rows[:3]:
            _check_written(path / row["path"])
    elif path.is_dir() and list(path.rglob("*.safetensors")):  # a model folder
        for config in path.rglob("*.json"):
            json.loads(config.read_text(encoding="utf-8"))
        for weights in path.rglob("*.safetensors"):
            tensors = load_file(weights)
            assert tensors and all(np.isfinite(t).all() for t in tensors.values() if t.dtype.kind == "f"), weights
    elif path.is_dir() and list(path.glob("*.png")):
        images = [cv2.imread(str(png)) for png in sorted(path.glob("*.png"))]
        assert all(image is not None and image.shape == images[0].shape for image in images), path
        assert max(image.std() for image in images) > 0, f"{path}: nothing drawn"
    elif path.is_dir():
        assert list(path.iterdir()), f"{path} is empty"
        for child in path.iterdir():
            _check_written(child)
    else:
        assert path.stat().st_size > 0, path


def _signkit_calls(example: str) -> list[list[str]]:
    """The argument lists of the signkit commands an example runs, in order: the shell's words
    (quotes, ``|``, ``&&``, ``;``, redirections and comments as bash reads them), without the
    redirections (``> out.mp4``, ``< in.txt``)."""
    lexer = shlex.shlex(example, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    calls, words, redirected = [], [], False
    for token in [*lexer, "|"]:
        if token in ("|", "&&", "||", ";"):
            if words[:1] == ["signkit"]:
                calls.append(words[1:])
            words = []
        elif token in ("<", ">", ">>"):
            redirected = True
        elif redirected:
            redirected = False
        else:
            words.append(token)
    return calls


def _output(args: list[str], folder: Path, example: str) -> Path | None:
    """The file a signkit call writes: its ``-o``, else the final ``> FILE`` of ``example`` (pass
    the example only for its last call); None for standard output left to the terminal."""
    if "-o" in args:
        return folder / args[args.index("-o") + 1]
    redirect = re.search(r"> (\S+)$", example)
    return folder / redirect.group(1) if redirect else None


def _check_relations(example: str, stdout: str, folder: Path, shared: Path) -> None:
    """What each example promises beyond readable files, against an independent count or formula."""
    calls = _signkit_calls(example)
    if not calls:  # a shell step that prepares an input (cut, head, printf)
        return
    last = calls[-1]
    local = lambda name: Path(name.replace("../shared", str(shared))) if name.startswith("../") else folder / name  # noqa: E731
    for position, args in enumerate(calls):
        command, first = args[0], args[1] if len(args) > 1 and not args[1].startswith("-") else None
        output = _output(args, folder, example if position == len(calls) - 1 else "")  # a redirect is the last's
        if command in ("render", "frnet", "lift3d") and first and "--overlay" not in args:
            # render keeps the poses' frames; FR-Net and lifting give one frame out per frame in
            assert _frames(output) == _frames(local(first)), example
        if command == "render" and "--size" in args:
            width, height = map(int, args[args.index("--size") + 1].split("x"))
            with av.open(str(output)) as container:
                frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
            assert frame.shape[:2] == (height, width), example
            if "--background" in args and args[args.index("--background") + 1] == "black":
                assert frame[0, 0].max() <= 16, example  # a corner is background (H.264 may shift black by a little)
        if "--layout" in args and output and output.suffix in POSES:  # every sequence written in that layout
            assert {s.layout for s in read_sequences(output)} == {args[args.index("--layout") + 1]}, example
        if command == "extract" and output and output.is_dir():  # one .pose per video, one frame per video frame
            for video in (local(name) for name in args[1:] if name.endswith(".mp4")):
                assert _frames(output / f"{video.stem}.pose") == _frames(video), example
        elif command == "extract" and output:
            assert _frames(output) == _frames(local(first)), example
    command = last[0]
    if command == "info" and "--json" in last:
        from pose_format import Pose  # pose-format's own reader, not signkit's

        with open(local(last[-1]), "rb") as file:
            assert json.loads(stdout)["frames"] == Pose.read(file.read()).body.data.shape[0]
    elif command == "info" and last[1:] and last[-1].endswith(".skels"):
        lines = local(last[-1]).read_text(encoding="utf-8").splitlines()
        assert re.search(rf"^sequences\s+{len(lines)}$", stdout, re.M), stdout
    elif command == "info":
        assert re.search(r"^sequences\s+1$", stdout, re.M), stdout  # one sentence in
    elif command == "score":
        metric = last[1]
        references = [word for i, word in enumerate(last[2:], 2) if not word.startswith("-") and last[i - 1] != "-i"]
        redirect = re.search(r"< (\S+)", example)
        hypothesis = last[last.index("-i") + 1] if "-i" in last else redirect and redirect.group(1)
        figure = float(stdout) if "-b" in last else json.loads(stdout)["score"]
        if [hypothesis] == references:  # a file scored against itself: the perfect score
            assert figure == pytest.approx({"bleu": 100, "rouge": 100, "dtw": 0, "ssim": 1}[metric]), example
        elif metric == "wer":  # jiwer directly, on the raw lines
            lines = [local(name).read_text(encoding="utf-8").splitlines() for name in (references[0], hypothesis)]
            assert figure == pytest.approx(100 * jiwer.wer(*lines), abs=1e-3), example
        elif metric == "dtw-mje":  # the plain dynamic program of tests/references.py, on the files read as text
            pairs = zip(read_skels(local(references[0])), read_skels(local(hypothesis)))
            assert figure == pytest.approx(np.mean([plain_dtw_mje(r, h) for r, h in pairs]), rel=1e-6), example
        elif metric in DISTANCES:  # a distance: symmetric (DTW normalised by both lengths), the files swapped
            swapped = signkit("score", metric, local(hypothesis), "-i", local(references[0]), "-b", cwd=folder)
            assert DISTANCES[metric].dtw == "ndtw" and figure == pytest.approx(float(swapped.stdout)) and figure > 0
        elif metric == "retrieval":  # one query a line of the signed file, ranks among the lexicon's glosses
            result = json.loads(stdout)
            glosses = {line.split(",")[6] for line in local(last[-1]).joinpath("index.csv").read_text().splitlines()[1:]}
            assert result["queries"] == len(local(references[0]).read_text().splitlines()) == len(glosses)
            assert result["glosses"] == len(glosses) and 0 < result["top1"] <= result["top5"] <= 1 <= result["mean_rank"]
        elif hypothesis is None:  # piped in: back-translations of every reference sentence, scored
            assert json.loads(stdout)["count"] == len(local(references[0]).read_text(encoding="utf-8").splitlines())
        else:
            pytest.fail(f"no check written for this example: {example}")
    elif command == "t2g":  # a training sentence: its glosses, as the training file has them
        sentence = re.search(r'echo "([^"]+)"', example).group(1)
        with open(folder / "weather.csv", newline="", encoding="utf-8") as file:
            glosses = {row["translation"]: row["annotation"] for row in csv.DictReader(file, delimiter="|")}
        assert stdout == glosses[sentence] + "\n", stdout
    elif command == "backtranslate" and "-o" not in last:
        sequences = len(local(last[-1]).read_text(encoding="utf-8").splitlines())
        assert len(stdout.splitlines()) == sequences and all(line.strip() for line in stdout.splitlines()), stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_examples_run_and_write_what_they_say(name, ran):
    shared = shared_data().parent
    for example, result, _ in ran[name]:
        assert result.returncode == 0, f"{example}\n{result.stderr.decode()}"
    folder = ran[name][0][2]
    written = [path for path in folder.iterdir() if path.name != "weather.csv"]
    assert written or all(result.stdout for _, result, _ in ran[name]), name
    for path in written:
        _check_written(path)
    for example, result, _ in ran[name]:
        _check_relations(example, result.stdout.decode(), folder, shared)
