"""`signkit train-t2p` and `t2p --model` on real data: PHOENIX14T text and gloss to pose, the DGS
sentences in PT-50, resume after a kill with the same optimiser state, `accelerate launch` with
two CPU processes, and the pipe into `render`."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, accelerate_launch, signkit

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

TINY = ["--d-model", "64", "--heads", "4", "--layers", "2", "--feed-forward", "128", "--checkpoint-every", "0"]


def _log(folder: Path, name: str) -> dict[int, float]:
    with (folder / "log.csv").open(newline="", encoding="utf-8") as file:
        return {int(row["step"]): float(row["value"]) for row in csv.DictReader(file) if row["name"] == name}


def _dtw(produced: bytes, reference: Path) -> float:
    scored = signkit("score", "dtw", str(reference), "-b", input=produced)
    assert scored.returncode == 0, scored.stderr.decode()
    return float(scored.stdout)


def _train(output: Path, train: Path, dev: Path, *extra: str) -> Path:
    result = signkit("train-t2p", str(train), "--dev", str(dev), "-o", str(output), *TINY, "--max-steps", "300",
                     "--batch-size", "8", "--validate-every", "100", *extra)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return output


def _check_learning(model: Path, train: Path, sources: Path, *extra: str) -> float:
    """Training loss falls steadily, dev DTW ends below the untrained model's; returns the DTW of
    the training sentences' produced poses to the real ones."""
    losses = _log(model, "train_loss")
    steps = sorted(losses)
    assert steps[-1] == 300
    means = [sum(losses[s] for s in part) / len(part) for part in (steps[:10], steps[10:20], steps[20:])]
    assert means[0] > means[1] > means[2], losses
    dtw = _log(model, "dev_dtw")
    assert sorted(dtw) == [0, 100, 200, 300]
    assert min(dtw[100], dtw[200], dtw[300]) < dtw[0], dtw
    produced = signkit("t2p", "--model", str(model), str(sources), *extra)
    assert produced.returncode == 0, produced.stderr.decode()
    return _dtw(produced.stdout, train)


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory):
    if not DATA.is_dir():
        pytest.skip(f"real data not found at {DATA}")
    return DATA / "phoenix14t" / "sample"


def test_text_to_pose_on_phoenix(phoenix, tmp_path):
    model = _train(tmp_path / "t2p", phoenix / "train.skels", phoenix / "dev.skels")
    trained = _check_learning(model, phoenix / "train.skels", phoenix / "train.text")
    untrained = _train(tmp_path / "untrained", phoenix / "train.skels", phoenix / "dev.skels", "--max-steps", "1",
                       "--learning-rate", "0")  # fmt: skip
    produced = signkit("t2p", "--model", str(untrained), str(phoenix / "train.text"))
    assert trained < _dtw(produced.stdout, phoenix / "train.skels") / 2  # follows the real poses
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert config["model"] == "t2p" and config["source"] == "text" and config["config"]["future_prediction"] == 10
    assert config["options"]["train"]["max_steps"] == 300 and config["signkit"]


def test_gloss_to_pose_on_phoenix(phoenix, tmp_path):
    model = _train(tmp_path / "g2p", phoenix / "train.skels", phoenix / "dev.skels", "--src", "gloss")
    assert _check_learning(model, phoenix / "train.skels", phoenix / "train.gloss") < 15
    wrong = signkit("t2p", "--model", str(model), "--from", "text", input=b"am tag\n")
    assert wrong.returncode == 1 and "reads gloss, not text" in wrong.stderr.decode()


def test_dgs_sentences_in_pt50(data, tmp_path):
    """The DGS Corpus sentences cleaned to PT-50 with their German texts: train on train, dev on test."""
    for split in ("train", "test"):
        rows = ["id|signer|annotation|translation"]
        for meta in sorted((data / "dgs-sentences" / split).glob("*_metadata.json")):
            sentence = json.loads(meta.read_text(encoding="utf-8"))["sentence"]
            rows.append(f"{meta.name.replace('_metadata.json', '_original')}|-|{' '.join(sentence['glosses']['gloss'])}|"
                        f"{sentence['german']}")  # fmt: skip
        (tmp_path / f"{split}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        poses = sorted(str(p) for p in (data / "dgs-sentences" / split).glob("*_original.pose"))
        cleaned = signkit("clean", *poses, "--texts", str(tmp_path / f"{split}.csv"), "--no-trim", "-o",
                          str(tmp_path / f"{split}.skels"))  # fmt: skip
        assert cleaned.returncode == 0, cleaned.stderr.decode()
    model = _train(tmp_path / "t2p-dgs", tmp_path / "train.skels", tmp_path / "test.skels", "--batch-size", "16")
    _check_learning(model, tmp_path / "train.skels", tmp_path / "train.text")


def test_t2p_model_pipes_into_render(phoenix, tmp_path):
    model = _train(tmp_path / "t2p", phoenix / "train.skels", phoenix / "dev.skels", "--max-steps", "20",
                   "--validate-every", "0")  # fmt: skip
    produced = signkit("t2p", "--model", str(model), "-o", str(tmp_path / "x.h5"), input=b"am tag im nordwesten\n\n")
    assert produced.returncode == 0 and not produced.stderr, produced.stderr.decode()  # all training words
    info = signkit("info", "--json", str(tmp_path / "x.h5"))
    assert json.loads(info.stdout)["sequences"] == 2
    command = f"echo 'am tag xyzzy' | {sys.executable} -m signkit t2p --model {model} | {sys.executable} -m signkit render > {tmp_path / 'x.mp4'}"
    result = subprocess.run(command, shell=True, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    assert "xyzzy" in result.stderr.decode()  # the unknown word is named
    assert (tmp_path / "x.mp4").stat().st_size > 1000
    bad = signkit("t2p", "--model", str(phoenix), input=b"am tag\n")
    assert bad.returncode == 1 and "Error:" in bad.stderr.decode() and "not a readable text-to-pose model" in bad.stderr.decode()
    lexicon = signkit("t2p", "--model", str(model), "--lexicon", str(phoenix), input=b"am tag\n")
    assert lexicon.returncode == 2


def test_train_t2p_errors_name_the_sequence(phoenix, tmp_path):
    poses = tmp_path / "poses.skels"
    poses.write_text((phoenix / "train.skels").read_text(encoding="utf-8"), encoding="utf-8")  # no .text beside it
    result = signkit("train-t2p", str(poses), "-o", str(tmp_path / "m"), *TINY, "--max-steps", "1")
    assert result.returncode == 1 and "has no text" in result.stderr.decode()
    assert not (tmp_path / "m" / "model.safetensors").exists()


def test_resume_after_a_kill_continues_with_the_same_optimiser_state(phoenix, tmp_path):
    common = [str(phoenix / "train.skels"), *TINY[:-2], "--batch-size", "2", "--checkpoint-every", "5",
              "--gaussian-noise", "0"]  # fmt: skip
    whole = tmp_path / "whole"
    result = signkit("train-t2p", *common, "-o", str(whole), "--max-steps", "20")
    assert result.returncode == 0, result.stderr.decode()

    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "signkit", "train-t2p", *common, "-o", str(killed),
                                "--max-steps", "100000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 240
    while not (killed / "checkpoints" / "checkpoint-10" / "signkit_state.json").exists() and time.time() < deadline:
        time.sleep(0.01)  # kill soon after checkpoint 10: a tiny model reaches step 20 within a second
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    last = max(int(p.name.split("-")[1]) for p in (killed / "checkpoints").glob("checkpoint-*")
               if (p / "signkit_state.json").exists())  # fmt: skip
    if last >= 20:
        pytest.skip("the run reached step 20 before it was killed")
    resumed = signkit("train-t2p", *common, "-o", str(killed), "--max-steps", "20", "--resume-from-checkpoint", "latest")
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert f"at step {last}" in resumed.stderr.decode()
    # the optimiser state at step 20 is the uninterrupted run's: step counts and moments
    states = [torch.load(run / "checkpoints" / "checkpoint-20" / "optimizer.bin", weights_only=True)["state"]
              for run in (whole, killed)]  # fmt: skip
    assert states[0].keys() == states[1].keys()
    for key in states[0]:
        assert float(states[0][key]["step"]) == float(states[1][key]["step"]) == 20
        for moment in ("exp_avg", "exp_avg_sq"):
            assert torch.allclose(states[0][key][moment], states[1][key][moment], rtol=1e-3, atol=1e-7)


def test_accelerate_launch_with_two_cpu_processes(phoenix, tmp_path):
    result = accelerate_launch(tmp_path, "train-t2p", str(phoenix / "train.skels"), "--dev", str(phoenix / "dev.skels"), "-o",
                               str(tmp_path / "t2p"), *TINY, "--max-steps", "10", "--batch-size", "2", "--validate-every", "5")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert (tmp_path / "t2p" / "model.safetensors").is_file()
    assert sorted(_log(tmp_path / "t2p", "dev_dtw")) == [0, 5, 10]
