"""Train a text-to-gloss model: SLUL, Stable Signer's T5 encoder-decoder from sentences to glosses.

Reads PHOENIX14T-style annotation CSVs (id|signer|annotation|translation), trains a byte-level
BPE on their sentences, takes their glosses as a word-level vocabulary (one token a gloss, which
the model writes and nothing else) and trains a T5 model built from the options (nothing downloaded)
on the shared Accelerate loop (checkpoints, --resume-from-checkpoint latest, dev BLEU-4 of the
glosses keeping the best model, a CSV log, `accelerate launch`), and writes a model folder for
`signkit t2g`: config.json, model.safetensors, tokenizer.json, glosses.txt. The loss is the glosses' token
cross-entropy (label-smoothed), plus, each by its weight, Semantic-Aware Gloss Masking (--sagm:
the glosses from the sentence with its gloss-bearing words masked), a KL term between the masked
and unmasked predictions (--kl) and a sentence-gloss contrastive loss (--contrastive).
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import TRAIN_T2G
from signkit.commands.options import Quiet, Verbose, training_command

EXAMPLES = [
    TRAIN_T2G,
    "head -n 65 ../shared/data/phoenix14t/annotations/train.csv > weather.csv && "
    "signkit train-t2g weather.csv -o t2g-sagm --d-model 64 --feed-forward 128 --layers 2 --max-steps 20 "
    "--batch-size 16 --sagm 1 --kl 1 --contrastive 0.1",
]


@training_command(max_steps=20000, batch_size=64, learning_rate=5e-4, checkpointing_steps=1000, validation_steps=1000,
                  warmup_steps=1000, metric="dev BLEU-4 {:.2f}")
def command(
    config,
    files: list[str] = typer.Argument(..., metavar="CSV...", help="Training sentences with glosses (id|signer|annotation|translation)."),
    dev: Optional[str] = typer.Option(None, "--dev", metavar="CSV", show_default=False,
                                      help="Development sentences with glosses: BLEU-4 picks the best model."),
    d_model: int = typer.Option(256, "--d-model", min=8, help="Width of embeddings and states."),
    heads: int = typer.Option(4, "--heads", min=1, help="Attention heads."),
    layers: int = typer.Option(3, "--layers", min=1, help="Encoder and decoder layers each."),
    feed_forward: int = typer.Option(1024, "--feed-forward", min=8, help="Inner width of feed-forward blocks."),
    dropout: float = typer.Option(0.1, "--dropout", min=0.0, max=0.9, help="Dropout rate."),
    label_smoothing: float = typer.Option(0.1, "--label-smoothing", min=0.0, max=0.5, help="Label smoothing of the loss."),
    sagm: float = typer.Option(0.0, "--sagm", min=0.0, metavar="W",
                               help="Weight of the Semantic-Aware Gloss Masking loss (0: off)."),
    mask_rate: float = typer.Option(0.5, "--mask-rate", min=0.0, max=1.0,
                                    help="SAGM: masking probability of a word of semantic weight 1."),
    kl: float = typer.Option(0.0, "--kl", min=0.0, metavar="W", help="Weight of the masked-unmasked KL term (0: off)."),
    contrastive: float = typer.Option(0.0, "--contrastive", min=0.0, metavar="W",
                                      help="Weight of the sentence-gloss contrastive loss (0: off)."),
    temperature: float = typer.Option(0.1, "--temperature", min=0.01, help="Temperature of the contrastive loss."),
    vocabulary: int = typer.Option(8000, "--vocabulary", min=260, help="Largest BPE vocabulary of the sentences "
                                   "(the glosses have one token each)."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> dict:
    from dataclasses import asdict

    from signkit.gloss.slul import SLULConfig, train_t2g

    log.configure(quiet, verbose)
    if d_model % heads:
        raise typer.BadParameter(f"--d-model {d_model} must be a multiple of --heads {heads}")
    model = SLULConfig(vocabulary=0, outputs=0, d_model=d_model, feed_forward=feed_forward, heads=heads,
                       encoder_layers=layers, decoder_layers=layers, dropout=dropout, label_smoothing=label_smoothing,
                       sagm=sagm, mask_rate=mask_rate, kl=kl, contrastive=contrastive, temperature=temperature)  # fmt: skip
    options = {"files": files, "dev": dev, "vocabulary": vocabulary, "model": asdict(model), "train": asdict(config)}
    result = train_t2g(files, dev, model, config, vocabulary=vocabulary, options=options)
    return result
