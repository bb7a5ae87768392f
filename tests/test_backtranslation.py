"""`signkit train-bt` and `backtranslate` on real data, and the shared training loop: resume
after a kill, and `accelerate launch` with two CPU processes."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
import torch
from safetensors.torch import load_file

from conftest import accelerate_launch, read_log, shared_data, signkit
from signkit.evaluate.backtranslation import backtranslate
from signkit.pose.io import read_sequences
from signkit.pose.sequence import make_pose, person0

TINY = ["--d-model", "64", "--heads", "4", "--layers", "2", "--feed-forward", "128", "--warmup-steps", "20",
        "--checkpoint-every", "0"]  # fmt: skip
# BLEU-4 of a model on its own training sentences: 100 is every sentence verbatim; above 90 only
# a few words of the 21 sentences may differ.
LEARNT = 90


def _log(folder: Path) -> list[dict]:
    with (folder / "log.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _losses(folder: Path) -> dict[int, float]:
    return read_log(folder, "train_loss")


def _translated(model: Path, *args: str, input: bytes = b"") -> list[str]:
    """`signkit backtranslate --model MODEL ARGS`: its lines."""
    result = signkit("backtranslate", "--model", str(model), *args, input=input)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().splitlines()


def _bleu(hypotheses: list[str], text: Path) -> float:
    """sacrebleu's corpus BLEU-4 (its standard settings) against a text file's lines."""
    references = text.read_text(encoding="utf-8").splitlines()
    assert len(hypotheses) == len(references)
    return sacrebleu.corpus_bleu(hypotheses, [references]).score


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    """The two training sets of the shared model, in one layout (PT-50): the PHOENIX14T sample's
    training split, and the DGS Corpus training sentences (reduced holistic) cleaned to PT-50 with
    their German texts and glosses from the raw metadata JSON."""
    data, folder = shared_data(), tmp_path_factory.mktemp("corpora")
    rows = ["id|signer|annotation|translation"]
    for meta in sorted((data / "dgs-sentences" / "train").glob("*_metadata.json")):
        sentence = json.loads(meta.read_text(encoding="utf-8"))["sentence"]
        name = meta.name.replace("_metadata.json", "_original")
        rows.append(f"{name}|-|{' '.join(sentence['glosses']['gloss'])}|{sentence['german']}")
    (folder / "dgs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    poses = sorted(str(p) for p in (data / "dgs-sentences" / "train").glob("*_original.pose"))
    cleaned = signkit("clean", *poses, "--texts", str(folder / "dgs.csv"), "--no-trim", "-o", str(folder / "dgs.skels"))
    assert cleaned.returncode == 0, cleaned.stderr.decode()
    return {"phoenix": data / "phoenix14t" / "sample" / "train.skels", "dgs": folder / "dgs.skels"}


@pytest.fixture(scope="module")
def model(corpora, tmp_path_factory) -> Path:
    """The one trained back-translation model of this module: 400 steps on both training sets
    together, validated on the PHOENIX14T sample's dev split (BLEU-4) before and after training.
    The model kept is the best dev step's: validated in between too, five dev sentences no
    training sentence teaches can pick a half-trained step (measured: dev BLEU-4 9.2 at step 200,
    7.6 at 400, and the step-200 model's BLEU on its training sentences 57), which is not what
    the tests of learning below ask about."""
    folder = tmp_path_factory.mktemp("bt") / "model"
    result = signkit("train-bt", str(corpora["phoenix"]), str(corpora["dgs"]), "--dev",
                     str(corpora["phoenix"].with_name("dev.skels")), "-o", str(folder), *TINY, "--max-steps", "400",
                     "--batch-size", "7", "--learning-rate", "2e-3", "--validate-every", "400")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    return folder


def test_train_bt_learns_both_training_sets(model, corpora):
    losses, last = _losses(model), {row["name"]: float(row["value"]) for row in _log(model) if row["step"] == "400"}
    # the text cross-entropy under 0.05 nats a token: the right token at over 95% (e^-0.05) on average
    assert last["train_translation"] < 0.05
    # the whole loss, with CTC on the glosses, a small share of its first logged value (measured: 1.5%)
    assert losses[400] < 0.05 * losses[10]
    phoenix, dgs = corpora["phoenix"], corpora["dgs"]
    assert _bleu(_translated(model, str(phoenix)), phoenix.with_suffix(".text")) > LEARNT
    assert _bleu(_translated(model, str(phoenix), "--beam", "3"), phoenix.with_suffix(".text")) > LEARNT
    assert _bleu(_translated(model, str(dgs)), dgs.with_suffix(".text")) > LEARNT
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    glosses = {g for skels in corpora.values() for line in skels.with_suffix(".gloss").read_text(encoding="utf-8").splitlines()
               for g in line.split()}  # fmt: skip
    assert config["model"] == "backtranslation" and config["config"]["glosses"] == len(glosses) + 1  # + CTC's blank
    assert (model / "glosses.txt").read_text(encoding="utf-8").split() == sorted(glosses)
    assert {"model.safetensors", "tokenizer.json", "glosses.txt", "log.csv"} <= {p.name for p in model.iterdir()}
    assert {row["name"] for row in _log(model)} == {"train_loss", "train_translation", "train_recognition", "lr", "dev_bleu4"}
    assert sorted(int(row["step"]) for row in _log(model) if row["name"] == "dev_bleu4") == [0, 400]


def test_backtranslate_reads_standard_input(model, corpora):
    phoenix = corpora["phoenix"]
    piped = _translated(model, input=phoenix.read_bytes())  # no FILE: standard input, its format sniffed
    assert piped == backtranslate(list(read_sequences(phoenix)), model)
    assert len(piped) == 5 and all(piped)


def _unseen(sequence, rng: np.random.Generator):
    """The sequence as poses never seen: played 20% slower (linear interpolation in time) with
    Gaussian noise of 0.005 (PT-50 units: 1.5% of the shoulder width) on every value."""
    points, confidence = person0(sequence.pose)
    slower = np.linspace(0, len(points) - 1, round(len(points) * 1.2))
    below, share = np.floor(slower).astype(int), (slower % 1)[:, None, None]
    above = np.minimum(below + 1, len(points) - 1)
    moved = (1 - share) * points[below] + share * points[above] + rng.normal(0, 0.005, (len(slower), *points.shape[1:]))
    pose = make_pose(sequence.pose.header, moved.astype(np.float32), confidence[below], sequence.fps)
    return replace(sequence, pose=pose)


def test_backtranslate_poses_unseen_in_training(model, corpora, data):
    """New poses of the training sentences are read as those sentences; unseen sentences (the dev
    split) give one line each, the same whatever the batch (padding is masked)."""
    rng = np.random.default_rng(0)
    phoenix, dgs = list(read_sequences(corpora["phoenix"])), list(read_sequences(corpora["dgs"]))
    unseen = backtranslate([_unseen(s, rng) for s in phoenix + dgs], model)
    # read as well as the training poses themselves (test_train_bt_learns_both_training_sets)
    assert sacrebleu.corpus_bleu(unseen, [[s.text for s in phoenix + dgs]]).score > LEARNT
    dev = list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    together = backtranslate(dev, model)
    assert len(together) == 5 and all(together)
    assert backtranslate(dev, model, batch_size=1) == together


# --- the shared loop: a resume after a kill, two processes ---------------------------------------

KILLER = """import os, signal, sys
import signkit.train
from signkit.cli import main

checkpoint, kill_at = signkit.train._checkpoint, int(sys.argv[1])

def checkpoint_or_die(accelerator, output, step, best, limit):
    if step == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    checkpoint(accelerator, output, step, best, limit)

signkit.train._checkpoint = checkpoint_or_die
main(sys.argv[2:])
"""


def _killed_at(step: int, *args: str):
    """`signkit ARGS` killed (SIGKILL: no clean-up) when its training loop reaches the checkpoint
    of ``step``, before writing it: a crash at a known step, not after a time."""
    return subprocess.run([sys.executable, "-c", KILLER, str(step), *args], capture_output=True, timeout=900)


def test_resume_after_a_kill_continues_as_if_never_killed(data, tmp_path):
    """5 sequences in batches of 2: 3 steps an epoch. Checkpoints every 3 steps; the kill comes at
    step 12, after the log's row of step 10, so the resumed run starts at checkpoint 9 (an epoch's
    start) with a log row to drop."""
    common = [str(data / "phoenix14t" / "sample" / "train.skels"), *TINY[:-2], "--batch-size", "2",
              "--checkpoint-every", "3", "--max-steps", "20"]  # fmt: skip
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    result = signkit("train-bt", *common, "-o", str(whole))
    assert result.returncode == 0, result.stderr.decode()

    crashed = _killed_at(12, "train-bt", *common, "-o", str(killed))
    assert crashed.returncode == -9, crashed.stderr.decode()
    assert sorted(p.name for p in (killed / "checkpoints").iterdir()) == ["checkpoint-3", "checkpoint-6", "checkpoint-9"]
    assert sorted(_losses(killed)) == [10] and not (killed / "model.safetensors").exists()

    resumed = signkit("train-bt", *common, "-o", str(killed), "--resume-from-checkpoint", "latest")
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert f"resumed from {killed / 'checkpoints' / 'checkpoint-9'} at step 9" in resumed.stderr.decode()
    # the row of step 10 written before the kill was dropped and written again: the log, the
    # losses and the weights are those of the run that was never killed, bit for bit (the same
    # data order, weights, optimiser and random states from the checkpoint on)
    assert _log(killed) == _log(whole)
    weights, expected = load_file(killed / "model.safetensors"), load_file(whole / "model.safetensors")
    assert weights.keys() == expected.keys() and all(torch.equal(weights[k], expected[k]) for k in expected)


def test_accelerate_launch_with_two_cpu_processes(data, tmp_path):
    sample = data / "phoenix14t" / "sample"
    result = accelerate_launch(tmp_path, "train-bt", str(sample / "train.skels"), "--dev", str(sample / "dev.skels"), "-o",
                               str(tmp_path / "bt"), *TINY[:-2], "--checkpoint-every", "5", "--max-steps", "10",
                               "--batch-size", "2", "--validate-every", "5")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert (tmp_path / "bt" / "model.safetensors").is_file()
    # Two processes ran: Accelerate's checkpoint holds the random states of each process ...
    states = sorted(p.name for p in (tmp_path / "bt" / "checkpoints" / "checkpoint-10").glob("random_states_*.pkl"))
    assert states == ["random_states_0.pkl", "random_states_1.pkl"]
    # ... and each step took a batch of 2 in each process, 4 of the 5 sequences, so an epoch was
    # 2 steps where one process needs 3: step 10 falls in epoch 4 (from 0), not 3.
    log = _log(tmp_path / "bt")
    sequences = len((sample / "train.skels").read_text(encoding="utf-8").splitlines())
    steps_per_epoch = math.ceil(math.ceil(sequences / 2) / 2)
    assert [(int(row["step"]), int(row["epoch"])) for row in log if row["name"] == "train_loss"] == [
        (10, (10 - 1) // steps_per_epoch)] == [(10, 4)]  # fmt: skip
    # the main process alone validated and logged: one dev row at each validation
    assert [int(row["step"]) for row in log if row["name"] == "dev_bleu4"] == [0, 5, 10]
