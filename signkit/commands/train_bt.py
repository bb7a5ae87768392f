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
from signkit.commands.examples import TRAIN_BT
from signkit.commands.options import From, Quiet, Verbose, training_command

EXAMPLES = [
    TRAIN_BT,
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

    from signkit.evaluate.backtranslation import BackTranslationConfig, train_bt

    log.configure(quiet, verbose)
    model = BackTranslationConfig(values=0, vocabulary=0, d_model=d_model, heads=heads, encoder_layers=layers,
                                  decoder_layers=layers, feed_forward=feed_forward, dropout=dropout,
                                  gloss_weight=gloss_weight, label_smoothing=label_smoothing)  # fmt: skip
    options = {"files": files, "dev": dev, "gloss_weight": gloss_weight, "label_smoothing": label_smoothing,
               "train": asdict(config)}
    return train_bt(files, dev, model, config, vocabulary=vocabulary, source_format=source_format, options=options)
