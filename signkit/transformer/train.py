"""Training of the text-to-pose transformer on the shared loop (:mod:`signkit.train`)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from signkit.errors import SignkitError
from signkit.train import TrainConfig


def train_t2p(files: list[str], dev: str | None, model_config, config: TrainConfig, *, source: str = "text",
              min_count: int = 1, source_format: str | None = None, options: dict | None = None) -> dict:  # fmt: skip
    """Train SignDiff's text-to-pose transformer and write its model folder.

    Args:
        files: training pose files (.skels with .text/.gloss, .h5, .pose), one layout.
        dev: a development pose file with sources (validation by DTW), or None.
        model_config: a :class:`signkit.transformer.model.T2PConfig`; ``vocabulary``, ``values``,
            ``max_frames`` (1.5 times the longest training sequence), ``layout`` and ``fps``
            are set from the data.
        config: the shared loop's settings (``output_dir`` is the model folder).
        source: ``text`` or ``gloss``.
        min_count: training tokens seen fewer times stay unknown.
        source_format: input format name, or None for the suffix or sniffing.
        options: the resolved options, saved in ``config.json``.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` is the best dev DTW (normalised units).

    Raises:
        SignkitError: no training sequences, a sequence without its source, mixed layouts.
    """
    import torch

    from signkit.pose.sequence import frames_of
    from signkit.pose.io import read_sequences
    from signkit.evaluate.scores import dtw
    from signkit.transformer.model import ProgressiveTransformer, produce
    from signkit.transformer.data import Vocabulary, collate, examples, source_of
    from signkit.train import train

    sequences = [s for file in files for s in read_sequences(file, source_format)]
    if not sequences:
        raise SignkitError(f"{', '.join(files)}: no sequences")
    dev_sequences = list(read_sequences(dev, source_format)) if dev else []
    values = frames_of(sequences[0]).shape[1]
    vocabulary = Vocabulary.build([source_of(s, source) for s in sequences], source, min_count)
    train_examples = examples(sequences, vocabulary, source, values)
    dev_lines = [source_of(s, source) for s in dev_sequences]
    longest = max(len(e.frames) for e in train_examples)
    model_config = replace(model_config, vocabulary=len(vocabulary), values=values, max_frames=math.ceil(1.5 * longest),
                           layout=sequences[0].layout, fps=sequences[0].fps)  # fmt: skip
    torch.manual_seed(config.seed)
    model = ProgressiveTransformer(model_config)
    model.start.copy_(torch.from_numpy(np.mean([e.frames[0] for e in train_examples], axis=0)))
    model.vocabulary, model.source, model.header = vocabulary, source, sequences[0].pose.header
    options = {**(options or {}), "source": source}

    def save(model, folder):
        model.save_pretrained(folder, options)

    def validate(model):
        device = next(model.parameters()).device.type
        produced = list(produce(model, dev_lines, batch_size=config.batch_size, device=device))
        return {"dtw": dtw(produced, dev_sequences).score}

    return train(config, model, train_examples, collate, validate=validate if dev_sequences else None, save=save,
                 metric="dtw")  # fmt: skip
