"""Back-translate signing poses to text with a model from `signkit train-bt`: one line per sequence.

Reads poses (.skels, .h5, .pose; standard input by default) of the model's layout and writes one
sentence per sequence, in order, to standard output (or -o FILE), batched; greedy decoding, or
beam search with --beam N. Pipe it into `signkit score bleu REFERENCE` to judge produced poses.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import TRAIN_BT
from signkit.commands.options import Device, Fps, From, Input, Quiet, Verbose, torch_device

EXAMPLES = [
    TRAIN_BT,
    "signkit backtranslate --model bt-phoenix ../shared/data/phoenix14t/sample/dev.skels",
    "signkit backtranslate --model bt-phoenix ../shared/data/phoenix14t/sample/dev.skels --beam 4 "
    "| signkit score bleu --slt ../shared/data/phoenix14t/sample/dev.text",
]


def command(
    file: Input = None,
    model_folder: str = typer.Option(..., "--model", metavar="DIR", help="A model folder from signkit train-bt."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", show_default=False,
                                         help="Text file to write; '-' or omitted: standard output."),
    beam: int = typer.Option(1, "--beam", min=1, help="Beam width (1: greedy)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Sequences decoded together."),
    device: Device = None,
    source_format: From = None,
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.evaluate.backtranslation import backtranslate
    from signkit.pose.io import output_stream, read_sequences

    log.configure(quiet, verbose)
    sequences = list(read_sequences(file, source_format, fps))
    texts = backtranslate(sequences, model_folder, batch_size=batch_size, beam=beam, device=torch_device(device))
    with output_stream(output, binary=False) as stream:
        stream.write("".join(f"{text}\n" for text in texts).encode())
