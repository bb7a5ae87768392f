"""The evaluation recipe (examples/evaluate): a table of the ground-truth row and the produced row
whose figures are those of the files it writes, recomputed here without signkit's measures; and
a system's own poses (PRODUCED) scored in the produced row, checked on the trivial baseline."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from signkit.evaluate.backtranslation import backtranslate
from signkit.pose.io import read_sequences
from references import plain_dtw_score, read_skels, slt_bleu, slt_rouge

ROOT = Path(__file__).resolve().parents[1]
# A small evaluator, trained long enough to write training sentences for any input (30 steps
# leave it writing 200 tokens of noise a sequence, whose decoding costs more than the training)
BT_FLAGS = ("--d-model 32 --heads 2 --layers 1 --feed-forward 64 --max-steps 150 --batch-size 16 --learning-rate 3e-3 "
            "--warmup-steps 10 --checkpoint-every 0")


def _table(data: Path, out: Path, *variables: str) -> dict[str, list[float]]:
    """Run `make -C examples/evaluate` (the target ``table`` among ``variables`` where given): its
    rows, system -> [BLEU-4, ROUGE-L, DTW]."""
    result = subprocess.run(["make", "-s", "-C", str(ROOT / "examples" / "evaluate"), f"DATA={data}", f"OUT={out}",
                             f"SIGNKIT={shlex.quote(sys.executable)} -m signkit", f"PYTHON={shlex.quote(sys.executable)}",
                             f"BT_FLAGS={BT_FLAGS}", *variables], capture_output=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["system", "BLEU-4", "ROUGE-L", "DTW"]
    return {line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[1:]}


def _recomputed(out: Path, system: str, poses: Path) -> list[float]:
    """A row's figures from the files the recipe wrote: the system's back-translation scored with
    sacrebleu and rouge-score (--slt settings) against the test text, and the plain DTW of its
    poses against the real test poses, both read as text."""
    hypotheses = (out / f"{system}.bt.txt").read_text(encoding="utf-8").splitlines()
    references = (out / "test.text").read_text(encoding="utf-8").splitlines()
    dtw = np.mean([plain_dtw_score(r, h) for r, h in zip(read_skels(out / "test.skels"), read_skels(poses), strict=True)])
    return [slt_bleu(hypotheses, references), slt_rouge(hypotheses, references), float(dtw)]


def test_evaluation_table_is_recomputed_from_its_files(data, tmp_path):
    out = tmp_path / "out"
    rows = _table(data, out)
    assert list(rows) == ["ground-truth", "produced"]
    # the test set: the DGS test sentences that have an English translation, in file order
    english = [json.loads(m.read_text(encoding="utf-8"))["sentence"]["english"].strip()
               for m in sorted((data / "dgs-sentences" / "test").glob("*_metadata.json"))]  # fmt: skip
    assert (out / "test.text").read_text(encoding="utf-8").splitlines() == [e for e in english if e]
    assert len(read_skels(out / "test.skels")) == len(read_skels(out / "produced.skels")) == 16
    for system, poses in (("ground-truth", out / "test.skels"), ("produced", out / "produced.skels")):
        # the row's text is the evaluator's reading of that row's own poses ...
        lines = (out / f"{system}.bt.txt").read_text(encoding="utf-8").splitlines()
        assert lines == backtranslate(list(read_sequences(poses)), out / "bt")
        # ... and its figures are those of its files (the table prints 4 decimals)
        assert rows[system] == pytest.approx(_recomputed(out, system, poses), abs=5e-5)
    assert rows["ground-truth"][2] == 0.0 and rows["produced"][2] > 1.0  # the real poses against themselves

    # The trivial baseline as the system: the mean training pose held still for each test
    # sentence's length. With as many frames as the reference, DTW's best path is the diagonal:
    # DTW = the mean over reference frames of the L1 distance to the mean pose.
    train = np.concatenate(read_skels(out / "train.skels"))
    mean = train.mean(0).ravel()
    reals = [line.split() for line in (out / "test.skels").read_text(encoding="utf-8").splitlines()]
    frames = [len(values) // 151 for values in reals]
    lines = [" ".join(" ".join(f"{v:.5f}" for v in [*mean, t / n]) for t in range(n)) for n in frames]
    (tmp_path / "mean.skels").write_text("\n".join(lines) + "\n", encoding="utf-8")
    baseline = _table(data, out, "table", f"PRODUCED={tmp_path / 'mean.skels'}")
    assert baseline["ground-truth"] == rows["ground-truth"]
    written = np.float64([f"{v:.5f}" for v in mean])  # the mean pose as the .skels file holds it
    closed_form = np.mean([np.abs(r.reshape(len(r), -1) - written).sum(1).mean() for r in read_skels(out / "test.skels")])
    assert baseline["produced"][2] == pytest.approx(closed_form, abs=5e-5)
    assert baseline["produced"] == pytest.approx(_recomputed(out, "produced", tmp_path / "mean.skels"), abs=5e-5)
