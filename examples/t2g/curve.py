"""Plot dev BLEU-4 by training step for SLUL models: one line a model folder, read from the
``dev_bleu4`` rows of its ``log.csv`` (the greedy dev validations of ``signkit train-t2g``), with
the copy baseline's dev BLEU-4 as a dashed line when given. Written as a PNG with matplotlib.

    python curve.py OUTPUT.png MODEL [MODEL ...] [--baseline BLEU4]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def dev_curve(folder: Path) -> tuple[list[int], list[float]]:
    """Steps and dev BLEU-4 (0-100) of one model folder's ``log.csv``, the step-0 validation
    left out (an untrained model). Raises SystemExit naming the file when it has no dev rows."""
    rows = [(int(row["step"]), float(row["value"])) for row in csv.DictReader((folder / "log.csv").read_text(encoding="utf-8").splitlines())
            if row["name"] == "dev_bleu4" and int(row["step"]) > 0]  # fmt: skip
    if not rows:
        raise SystemExit(f"{folder / 'log.csv'}: no dev_bleu4 rows after step 0 (trained with --dev?)")
    steps, scores = zip(*rows)
    return list(steps), list(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--baseline", type=float, help="the copy baseline's dev BLEU-4, drawn dashed")
    options = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    for folder in options.models:
        steps, scores = dev_curve(folder)
        axes.plot(steps, scores, marker="o", markersize=3, label=folder.name)
    if options.baseline is not None:
        axes.axhline(options.baseline, color="grey", linestyle="--", label="copy baseline")
    axes.set_xlabel("training step (batches of 64 sentences)")
    axes.set_ylabel("dev BLEU-4 (greedy decoding)")
    axes.set_title("SLUL text to gloss on PHOENIX14T")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(options.output)
    print(f"wrote {options.output}")


if __name__ == "__main__":
    main()
