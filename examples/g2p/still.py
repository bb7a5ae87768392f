"""The still baseline of the SLP-MoE table: the mean pose of the training sentences, held still
for as many frames as each real test sentence has (an oracle on length), as PT-50 .skels.

    python still.py TRAIN_SENTENCES REFERENCE.skels OUTPUT.skels

DTW rewards a produced sequence for staying near the average pose when it cannot match the
motion; this row shows how far that alone goes.
"""

from __future__ import annotations

import sys

import numpy as np

from signkit.pose.io import read_sequences, write_sequences
from signkit.lexicons.corpus import read_sentences
from signkit.moe.produce import as_sequence


def main(train: str, reference: str, output: str) -> None:
    mean = np.concatenate([s.points for s in read_sentences([train])]).mean(axis=0)
    still = [as_sequence(np.repeat(mean[None], r.frames, axis=0), r.fps, r.name) for r in read_sequences(reference)]
    write_sequences(still, output)


if __name__ == "__main__":
    main(*sys.argv[1:])
