"""`signkit train-t2g` and `t2g` (SLUL text to gloss) on real PHOENIX14T annotations."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import assert_error, signkit

pytest.importorskip("transformers")

TINY = ["--d-model", "64", "--heads", "4", "--layers", "2", "--feed-forward", "128", "--dropout", "0",
        "--label-smoothing", "0", "--checkpoint-every", "0", "--warmup-steps", "20"]  # fmt: skip


@pytest.fixture(scope="module")
def weather(tmp_path_factory, request):
    """The first 48 PHOENIX14T training sentences with their glosses, and a model fitted to them."""
    from conftest import DATA

    if not DATA.is_dir():
        pytest.skip(f"real data not found at {DATA}")
    folder = tmp_path_factory.mktemp("t2g")
    lines = (DATA / "phoenix14t" / "annotations" / "train.csv").read_text(encoding="utf-8").splitlines()[:49]
    (folder / "weather.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = signkit("train-t2g", str(folder / "weather.csv"), "--dev", str(folder / "weather.csv"), "-o",
                     str(folder / "model"), *TINY, "--max-steps", "300", "--batch-size", "16", "--learning-rate",
                     "3e-3", "--validate-every", "150")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    rows = [row for row in csv.DictReader(lines, delimiter="|")]
    (folder / "text.txt").write_text("".join(f"{row['translation']}\n" for row in rows), encoding="utf-8")
    (folder / "gloss.txt").write_text("".join(f"{row['annotation']}\n" for row in rows), encoding="utf-8")
    return folder


def _bleu(glosses: bytes, reference) -> float:
    scored = signkit("score", "bleu", str(reference), "-b", input=glosses)
    assert scored.returncode == 0, scored.stderr.decode()
    return float(scored.stdout)


def test_slul_learns_the_training_glosses(weather):
    with (weather / "model" / "log.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    losses = {int(r["step"]): float(r["value"]) for r in rows if r["name"] == "train_loss"}
    assert losses[300] < 0.1 * losses[10]
    bleu = {int(r["step"]): float(r["value"]) for r in rows if r["name"] == "dev_bleu4"}
    assert sorted(bleu) == [0, 150, 300] and bleu[300] > bleu[0]
    for beam in ("1", "4"):
        glosses = signkit("t2g", "--model", str(weather / "model"), str(weather / "text.txt"), "--beam", beam)
        assert glosses.returncode == 0, glosses.stderr.decode()
        assert len(glosses.stdout.decode().splitlines()) == 48
        assert _bleu(glosses.stdout, weather / "gloss.txt") > 80
    config = json.loads((weather / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["model"] == "t2g" and config["config"]["d_model"] == 64
    assert {"model.safetensors", "tokenizer.json"} <= {p.name for p in (weather / "model").iterdir()}


def test_t2g_keeps_lines_aligned(weather):
    result = signkit("t2g", "--model", str(weather / "model"), input="und nun die wettervorhersage\n\nregen\n")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[0] and lines[0] == lines[0].upper()


def test_bad_input_is_named(weather, tmp_path):
    assert_error(signkit("t2g", "--model", str(weather), input="regen\n"), "not a readable text-to-gloss model")
    how2sign = tmp_path / "how2sign.csv"
    how2sign.write_text("SENTENCE_NAME\tSENTENCE\nx_1\thello there\n", encoding="utf-8")
    assert_error(signkit("train-t2g", str(how2sign), "-o", str(tmp_path / "m"), *TINY, "--max-steps", "1"),
                 "sentence x_1 has no glosses")  # fmt: skip
    assert not (tmp_path / "m").exists()
