"""Train a text-to-pose model: SignDiff's transformer (Progressive Transformers with FP, GN, counter, BO & CO, Scale-Adjusted loss).

Reads sequences with their sentences (--src text: .text siblings or .h5 'text') or glosses
(--src gloss), all of one layout (PT-50 from `signkit clean`), trains on the shared Accelerate
loop (checkpoints, --resume-from-checkpoint latest, dev DTW every --validation-steps steps keeping
the best model, a CSV log, `accelerate launch` for several processes) and writes a model folder
for `signkit t2p --model`: config.json, model.safetensors, vocabulary.txt, layout.pose.
Each SignDiff addition is a switch; the defaults are the paper's best combination.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import TRAIN_T2P
from signkit.commands.options import From, Quiet, Verbose, one_of, training_command

EXAMPLES = [
    TRAIN_T2P,
    "signkit train-t2p ../shared/data/phoenix14t/sample/train.skels --src gloss -o g2p-phoenix --d-model 64 "
    "--feed-forward 128 --future-prediction 0 --gaussian-noise 0 --no-masked-loss --weight-norm-lambda 0 --max-steps 20",
]


@training_command(max_steps=2000, batch_size=8, learning_rate=1e-3, checkpointing_steps=500, validation_steps=500,
                  metric="dev DTW {:.4f}")
def command(
    config,
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Training poses with texts or glosses (.skels, .h5, .pose)."),
    dev: Optional[str] = typer.Option(None, "--dev", metavar="FILE", show_default=False,
                                      help="Development poses with texts or glosses: DTW picks the best model."),
    source: str = typer.Option("text", "--src", callback=one_of("text", "gloss"), metavar="text|gloss", help="What the model reads."),
    source_format: From = None,
    d_model: int = typer.Option(512, "--d-model", min=8, help="Width of embeddings and states."),
    heads: int = typer.Option(4, "--heads", min=1, help="Attention heads."),
    layers: int = typer.Option(2, "--layers", min=1, help="Encoder and decoder layers each."),
    feed_forward: int = typer.Option(2048, "--feed-forward", min=8, help="Inner width of feed-forward blocks."),
    dropout: float = typer.Option(0.0, "--dropout", min=0.0, max=0.9, help="Dropout rate."),
    future_prediction: int = typer.Option(10, "--future-prediction", min=0, metavar="K",
                                          help="Future Prediction: each step also predicts the K frames after the next (0: off)."),
    gaussian_noise: float = typer.Option(5.0, "--gaussian-noise", min=0.0, metavar="RATE",
                                         help="Gaussian Noise on the decoder input, RATE times the per-value error spread (0: off)."),
    counter: bool = typer.Option(False, "--counter/--no-counter", help="Just Counter: the decoder reads the counter alone."),
    masked_loss: bool = typer.Option(True, "--masked-loss/--no-masked-loss",
                                     help="BO & CO: decoder and loss on real frames only (else MSE over the padded batch)."),
    loss_scale: float = typer.Option(100.0, "--loss-scale", min=0.0, metavar="S", help="Scale-Adjusted loss: factor of the MSE."),
    weight_norm_lambda: float = typer.Option(0.01, "--weight-norm-lambda", min=0.0, metavar="L",
                                             help="Scale-Adjusted loss: L times the sum of weight-matrix norms (0: off)."),
    min_count: int = typer.Option(1, "--min-count", min=1, help="Source tokens seen fewer times stay unknown (<unk>)."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> dict:
    from dataclasses import asdict

    from signkit.transformer.model import T2PConfig
    from signkit.transformer.train import train_t2p

    log.configure(quiet, verbose)
    model = T2PConfig(vocabulary=0, d_model=d_model, heads=heads, encoder_layers=layers, decoder_layers=layers,
                      feed_forward=feed_forward, dropout=dropout, future_prediction=future_prediction,
                      gaussian_noise=gaussian_noise, counter=counter, masked_loss=masked_loss, loss_scale=loss_scale,
                      weight_norm_lambda=weight_norm_lambda)  # fmt: skip
    if d_model % heads or d_model % 2:
        raise typer.BadParameter(f"--d-model {d_model} must be even and a multiple of --heads {heads}")
    options = {"files": files, "dev": dev, "source": source, "min_count": min_count, "model": asdict(model),
               "train": asdict(config)}  # fmt: skip
    return train_t2p(files, dev, model, config, source=source, min_count=min_count, source_format=source_format,
                     options=options)  # fmt: skip
