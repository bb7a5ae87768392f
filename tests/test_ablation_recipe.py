"""The ablation recipe (examples/ablation) trains every variant of SignDiff's Table 3 and prints one table."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("torch")


def test_ablation_table_has_every_variant(data, tmp_path):
    flags = "--d-model 16 --heads 2 --layers 1 --feed-forward 32 --max-steps 10 --batch-size 8 --validate-every 0 --checkpoint-every 0"
    bt = "--d-model 16 --heads 2 --layers 1 --feed-forward 32 --max-steps 10 --batch-size 8 --checkpoint-every 0"
    out = tmp_path / "out"
    result = subprocess.run(["make", "-s", "-j", "2", "-C", str(ROOT / "examples" / "ablation"), f"DATA={data}",
                             f"OUT={out}", f"SIGNKIT={shlex.quote(sys.executable)} -m signkit", f"FLAGS={flags}",
                             f"BT_FLAGS={bt}"], capture_output=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["variant", "DTW", "BLEU-4", "ROUGE-L"]
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[1:]}
    assert list(rows) == ["ground-truth", "base", "fp", "counter", "gn", "fp-gn", "scale", "bo-co", "all"]
    assert rows["ground-truth"][0] == 0.0 and all(row[0] > 0 for name, row in rows.items() if name != "ground-truth")
    # each variant is the base with its own switch
    configs = {name: json.loads((out / name / "config.json").read_text(encoding="utf-8"))["config"] for name in list(rows)[1:]}
    assert configs["base"]["future_prediction"] == 0 and not configs["base"]["masked_loss"]
    assert configs["fp"]["future_prediction"] == 10 and configs["counter"]["counter"]
    assert configs["gn"]["gaussian_noise"] == 5 and configs["scale"]["weight_norm_lambda"] == 0.01
    assert configs["bo-co"]["masked_loss"] and configs["all"]["masked_loss"] and configs["all"]["future_prediction"] == 10
