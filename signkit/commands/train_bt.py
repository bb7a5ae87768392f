"""Train a back-translation model: poses to text, a transformer in the style of Sign Language Transformers.

Reads sequences with their texts (.skels with .text, and .gloss for the optional CTC gloss
head; .h5; .pose), all of one layout, trains on the shared Accelerate loop (checkpoints,
--resume-from-checkpoint latest, validation on --dev by BLEU-4 keeping the best model, a CSV
log, `accelerate launch` for several processes) and writes a model folder for
`signkit backtranslate`: config.json, model.safetensors, tokenizer.json (byte-level BPE trained
on the training text), glosses.txt.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.options import From, Quiet, Verbose, training_command

NAME = "train-bt"
EXAMPLES = [
    "signkit train-bt ../shared/data/phoenix14t/sample/train.skels --dev ../shared/data/phoenix14t/sample/dev.skels "
    "-o bt-phoenix --d-model 64 --heads 4 --layers 2 --feed-forward 128 --max-steps 20 --validation-steps 10",
]


@training_command(max_steps=2000, batch_size=32, learning_rate=1e-3, checkpointing_steps=500, validation_steps=500,
                  warmup_steps=100, metric="dev BLEU-4 {:.2f}")
def command(
    config,
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Training poses with texts (.skels, .h5, .pose)."),
    dev: Optional[str] = typer.Option(None, "--dev", metavar="FILE", show_default=False,
                                      help="Development poses with texts: BLEU-4 picks the best model."),
    source_format: From = None,
    d_model: int = typer.Option(256, "--d-model", min=8, help="Width of embeddings and states."),
    heads: int = typer.Option(8, "--heads", min=1, help="Attention heads."),
    layers: int = typer.Option(3, "--layers", min=1, help="Encoder and decoder layers each."),
    feed_forward: int = typer.Option(1024, "--feed-forward", min=8, help="Inner width of feed-forward blocks."),
    dropout: float = typer.Option(0.1, "--dropout", min=0.0, max=0.9, help="Dropout rate."),
    vocabulary: int = typer.Option(4000, "--vocabulary", min=260, help="Largest BPE vocabulary."),
    label_smoothing: float = typer.Option(0.0, "--label-smoothing", min=0.0, max=0.5, help="Label smoothing of the text loss."),
    gloss_weight: float = typer.Option(1.0, "--gloss-weight", min=0.0,
                                       help="Weight of the CTC gloss loss (when every sequence has glosses; 0: no gloss head)."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> dict:
    from dataclasses import asdict
    from functools import partial

    import numpy as np
    import torch

    from signkit.evaluate import backtranslation as bt
    from signkit.errors import SignkitError
    from signkit.pose.io import read_sequences
    from signkit.pose.sequence import frames_of
    from signkit.evaluate.scores import bleu
    from signkit.train import train

    log.configure(quiet, verbose)
    sequences = [s for file in files for s in read_sequences(file, source_format)]
    dev_sequences = list(read_sequences(dev, source_format)) if dev else []
    if not sequences:
        raise SignkitError(f"{', '.join(files)}: no sequences")
    texts = [s.text or "" for s in sequences]
    tokenizer = bt.train_tokenizer(texts, vocabulary)
    with_glosses = gloss_weight > 0 and all(s.gloss for s in sequences)
    glosses = None
    if with_glosses:
        glosses = {g: i + 1 for i, g in enumerate(sorted({g for s in sequences for g in s.gloss.split()}))}
    values = frames_of(sequences[0]).shape[1]
    train_examples = bt.examples(sequences, tokenizer, glosses, values)
    longest = max(len(e.frames) for e in train_examples)
    model_config = bt.BackTranslationConfig(
        values=values, vocabulary=tokenizer.get_vocab_size(), glosses=len(glosses) + 1 if glosses else 0,
        d_model=d_model, heads=heads, encoder_layers=layers, decoder_layers=layers, feed_forward=feed_forward,
        dropout=dropout, max_frames=max(2000, longest), max_tokens=max(200, *(len(e.tokens) for e in train_examples)),
        layout=sequences[0].layout,
    )  # fmt: skip
    torch.manual_seed(config.seed)
    model = bt.build_model(model_config)
    stacked = np.concatenate([e.frames for e in train_examples])
    model.mean.copy_(torch.from_numpy(stacked.mean(0)))
    model.std.copy_(torch.from_numpy(np.maximum(stacked.std(0), 1e-3)))
    options = {"files": files, "dev": dev, "gloss_weight": gloss_weight, "label_smoothing": label_smoothing,
               "train": asdict(config)}

    def save(model, folder):
        bt.save(model, tokenizer, glosses, folder, options)

    def validate(model):
        hypotheses = bt.translate(model, tokenizer, dev_sequences, batch_size=config.batch_size,
                                  device=next(model.parameters()).device.type)  # fmt: skip
        return {"bleu4": bleu(hypotheses, [[s.text or "" for s in dev_sequences]]).score}

    result = train(config, model, train_examples, bt.collate, partial(bt.loss, gloss_weight=gloss_weight, label_smoothing=label_smoothing),
                   validate=validate if dev_sequences else None, save=save, metric="bleu4", greater_is_better=True)  # fmt: skip
    return result
