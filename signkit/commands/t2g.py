"""Text to glosses with a model from `signkit train-t2g` (SLUL): one gloss line per sentence.

Reads sentences, one a line (standard input by default), and writes one line of space-separated
glosses per sentence, in order, to standard output (or -o FILE); beam search (--beam) with a length
penalty and a word reward (--word-reward), batched; --model repeated decodes with an ensemble of models
(trainings with different --seed), their probabilities averaged at every step.
Pipe it into `signkit t2p --from gloss`, or score it with `signkit score bleu REFERENCE`.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import TRAIN_T2G
from signkit.commands.options import Device, Input, Quiet, Verbose, torch_device

EXAMPLES = [
    TRAIN_T2G,
    'echo "und nun die wettervorhersage für morgen donnerstag den zwölften august" | signkit t2g --model t2g-phoenix',
]


def command(
    file: Input = None,
    model_folders: list[str] = typer.Option(..., "--model", metavar="DIR",
                                            help="A model folder from signkit train-t2g; repeated: an ensemble of "
                                                 "models of one vocabulary (trained with different seeds), their "
                                                 "probabilities averaged."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", show_default=False,
                                         help="Gloss file to write; '-' or omitted: standard output."),
    beam: int = typer.Option(4, "--beam", min=1, help="Beam width (1: greedy)."),
    length_penalty: float = typer.Option(1.0, "--length-penalty", help="Exponent of the length normalisation of beam scores."),
    word_reward: float = typer.Option(0.0, "--word-reward", metavar="NATS",
                                      help="Added to a hypothesis's log-probability for each gloss it writes: "
                                           "longer output from a model that stops too early (0: none)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Sentences decoded together."),
    device: Device = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.gloss.slul import t2g
    from signkit.pose.io import decode_text, output_stream, read_bytes

    log.configure(quiet, verbose)
    content, name = read_bytes(file, "sentences")
    sentences = decode_text(content, name).splitlines()
    glosses = t2g(sentences, model_folders, beam=beam, length_penalty=length_penalty, word_reward=word_reward,
                  batch_size=batch_size, device=torch_device(device))  # fmt: skip
    with output_stream(output, binary=False) as stream:
        stream.write("".join(f"{line}\n" for line in glosses).encode())
