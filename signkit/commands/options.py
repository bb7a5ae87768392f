"""Options shared by every command, defined once so they mean the same everywhere, and the
reading of many input files that several commands share."""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
from collections.abc import Iterator
from typing import Annotated, Optional

import typer

from signkit import log
from signkit.errors import SignkitError
from signkit.pose import FORMATS
from signkit.renderer.frnet import FRNetConfig

Input = Annotated[Optional[str], typer.Argument(metavar="[FILE]", help="Input file; '-' or omitted: standard input.", show_default=False)]
Output = Annotated[Optional[str], typer.Option("-o", "--output", metavar="FILE", help="Output file; '-' or omitted: standard output.", show_default=False)]  # fmt: skip
Fps = Annotated[Optional[float], typer.Option("--fps", min=0.1, metavar="FPS", show_default=False,
                                             help="Frame rate of the poses: the rate pose input is read at (overrides a file's own; "
                                                  ".skels stores none, default 25), or for t2p the rate it makes (default 25).")]


PoseFiles = Annotated[Optional[list[str]], typer.Argument(metavar="[FILE]...", show_default=False,
                                                       help="Pose files (.pose, .h5, .skels); '-' or none: standard input.")]  # fmt: skip
Confidence = Annotated[float, typer.Option("--confidence", min=0.0, max=1.0, help="Points below this confidence are missing.")]
def check_device(value: str | None) -> str | None:
    """Reject a --device that torch does not know (``foo``), or a GPU torch cannot see here
    (``cuda`` without CUDA), as a usage error (exit 2), before any input is read."""
    if value is None:
        return value
    import torch

    try:
        device = torch.device(value)
    except RuntimeError:
        raise typer.BadParameter(f"{value!r} is not a torch device (cpu, cuda, cuda:1, mps)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise typer.BadParameter(f"{value!r}: torch sees no CUDA GPU on this machine (use cpu)")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise typer.BadParameter(f"{value!r}: torch sees {torch.cuda.device_count()} CUDA GPU(s) here")
    return value


Device = Annotated[Optional[str], typer.Option("--device", metavar="DEVICE", show_default=False, callback=check_device,
                                               help="Torch device, e.g. cpu or cuda (default: cuda when available).")]  # fmt: skip


def one_of(*choices: str):
    """An option callback that rejects values other than ``choices`` as a usage error (exit 2);
    an omitted option (None) passes."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r} is not {', '.join(choices[:-1])} or {choices[-1]}")
        return value

    return check


Layout = Annotated[Optional[str], typer.Option("--layout", metavar="pt50|slrtp178", callback=one_of("pt50", "slrtp178"),
                                               show_default=False,
                                               help="The poses' layout: pt50 (upper body and hands) or slrtp178 (with the face).")]  # fmt: skip
Dtype = Annotated[str, typer.Option("--dtype", metavar="float32|bfloat16", callback=one_of("float32", "bfloat16"),
                                    help="Number type of the model's weights and states.")]


def torch_device(value: str | None) -> str:
    """The --device value, or ``cuda`` when torch sees a GPU, else ``cpu``."""
    if value:
        return value
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def check_format(value: str | None) -> str | None:
    """Reject an unknown format name as a usage error (exit 2), before any input is read."""
    if value is not None and value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


From = Annotated[Optional[str], typer.Option("--from", metavar="FORMAT", callback=check_format, show_default=False,
                                             help=f"Input format: {', '.join(FORMATS)} (default: suffix, else sniffed).")]
To = Annotated[Optional[str], typer.Option("--to", metavar="FORMAT", callback=check_format, show_default=False,
                                           help=f"Output format: {', '.join(FORMATS)} (default: suffix, else skels).")]
Workers = Annotated[int, typer.Option("--workers", min=1, help="Processes to run in parallel.")]


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not I/N") from None
    if not 1 <= index <= count:
        raise typer.BadParameter(f"{value!r}: I must be 1 to N")
    return index, count


def shard_option(what: str):
    """A ``--shard I/N`` option (``(I, N)`` or None) whose help says what is shared out."""
    return typer.Option(None, "--shard", callback=_shard, metavar="I/N", show_default=False,
                        help=f"Process only the I-th of N shares of {what} (1-based).")
Quiet = Annotated[bool, typer.Option("-q", "--quiet", help="Print nothing but errors.")]
Verbose = Annotated[bool, typer.Option("-v", "--verbose", help="Explain each step; show tracebacks.")]
Lexicons = Annotated[
    Optional[list[str]],
    typer.Option("--lexicon", metavar="DIR",
                 help="A sign lexicon folder (index.csv + .pose files); repeatable, searched in order "
                      "before the built-in ASL fingerspelling alphabet. Without --lexicon, the folders "
                      "listed in SIGNKIT_LEXICON (separated by ':') are used.", show_default=False),
]  # fmt: skip


def import_in_background(*modules: str) -> None:
    """Start importing ``modules`` on a daemon thread and return at once.

    A command that will need heavy libraries (OpenCV, PyAV) only after its input has arrived
    calls this before reading it: at the end of a pipe (``signkit t2p | signkit render``) the
    libraries load while the writer is still working. An import the command then makes waits
    for the thread's (Python's import lock), so nothing loads twice; a failed import here is
    left for the command's own import to report.
    """
    import importlib
    import threading

    def load() -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError:
                return

    threading.Thread(target=load, name="signkit-import", daemon=True).start()


def check_output_folder(path: str) -> None:
    """An output folder (``-o DIR``) may be new or a folder, not an existing file.

    Raises:
        SignkitError: ``path`` is a file (was NotADirectoryError or FileExistsError, an internal error).
    """
    from pathlib import Path

    if Path(path).exists() and not Path(path).is_dir():
        raise SignkitError(f"{path}: a file is there; -o names the folder to write")


class _SameName(SignkitError):
    """Raised through :func:`read_inputs`' own handler: not one bad file, the whole batch."""


def read_inputs(files: list[str] | None, fmt: str | None, fps: float | None, failures: list[str]) -> Iterator:
    """The sequences of every file in order (none: standard input), for the commands that write
    one output per sequence (clean, lift3d, convert), whose rule is: a bad sequence is named, every
    good one written, exit 1. A file that cannot be read, or one sequence of it that cannot (a
    ``.skels`` line, an ``.h5`` group), is named on stderr as it happens, its error appended to
    ``failures``, and the next sequence read. Two sequences of one name (``a/x.pose`` and
    ``b/x.pose``) raise SignkitError naming both files: one output holds each name once."""
    from signkit.pose.io import read_sequences

    def failed(error: SignkitError) -> None:
        failures.append(str(error))
        log.console.print(f"Error: {error}", markup=False)

    seen: dict[str, str] = {}
    for file in files or ["-"]:
        try:
            for sequence in read_sequences(file, fmt, fps, on_error=failed):
                if sequence.name in seen:
                    raise _SameName(f"{seen[sequence.name]} and {file} both hold a sequence named {sequence.name!r}; "
                                    "one output holds each name once: rename one")  # fmt: skip
                seen[sequence.name] = file
                yield sequence
        except _SameName:
            raise
        except SignkitError as error:
            failed(error)


def some_failed(failed: int, written: int) -> SignkitError:
    """The closing error (exit 1) of a command that wrote every good sequence past ``failed``
    bad inputs or sequences, each already named on stderr."""
    return SignkitError(f"{failed} {'input or sequence' if failed == 1 else 'inputs or sequences'} failed "
                        f"(each named above); the other {written} sequences were written")  # fmt: skip


Seed = Annotated[int, typer.Option("--seed", help="Random seed (initialisation and data order).")]


# The options of every train-* command, defined once. They carry the names of diffusers'
# training scripts; the names signkit used before stay as hidden aliases so Makefiles keep working.
@dataclasses.dataclass(frozen=True)
class _TrainOption:
    name: str  # the TrainConfig field, or "output_dir"
    type: object
    option: object  # the typer.Option, names and help
    aliases: tuple[str, ...] = ()  # hidden option names of the same meaning


_TRAIN_OPTIONS = (
    _TrainOption("output_dir", str, typer.Option("-o", "--output-dir", metavar="DIR", help="The model folder to write (required)."),
                 ("--output",)),
    _TrainOption("max_steps", int, typer.Option("--max-steps", min=1, help="Optimiser steps to train for.")),
    _TrainOption("batch_size", int, typer.Option("--batch-size", min=1, help="Sequences per batch (and process).")),
    _TrainOption("gradient_accumulation_steps", int,
                 typer.Option("--gradient-accumulation-steps", min=1,
                              help="Batches whose gradients add up to one optimiser step (a larger effective batch).")),
    _TrainOption("learning_rate", float, typer.Option("--learning-rate", min=0.0, help="Peak AdamW learning rate.")),
    _TrainOption("warmup_steps", int, typer.Option("--warmup-steps", min=0, help="Linear warm-up steps.")),
    _TrainOption("lr_schedule", str, typer.Option("--lr-schedule", metavar="constant|cosine", callback=one_of("constant", "cosine"),
                                                  help="Learning rate after the warm-up: constant, or cosine decay to 0 at --max-steps.")),
    _TrainOption("checkpoint_every", int, typer.Option("--checkpointing-steps", min=0, help="Steps between checkpoints (0: none)."),
                 ("--checkpoint-every",)),
    _TrainOption("checkpoints_total_limit", int, typer.Option("--checkpoints-total-limit", min=1, help="Checkpoints kept.")),
    _TrainOption("validate_every", int, typer.Option("--validation-steps", min=0,
                                                     help="Steps between validations on the dev data (0: at the end)."),
                 ("--validate-every", "--validation-every")),
    _TrainOption("resume_from_checkpoint", Optional[str],
                 typer.Option("--resume-from-checkpoint", metavar="DIR|latest", show_default=False,
                              help="Continue from a checkpoint folder, or the latest in OUT/checkpoints.")),
    _TrainOption("ema_decay", float, typer.Option("--ema", min=0.0, max=0.9999, metavar="DECAY",
                                                  help="Validate and keep an exponential moving average of the weights "
                                                       "with this decay a step (0: off; 0.999: about the last 1,000 steps).")),
    _TrainOption("seed", int, Seed.__metadata__[0]),
    _TrainOption("mixed_precision", str, typer.Option("--mixed-precision", metavar="auto|no|fp16|bf16",
                                                      callback=one_of("auto", "no", "fp16", "bf16"),
                                                      help="Mixed precision; auto: bf16/fp16 on a GPU, bf16 on a CPU that "
                                                           "computes it natively (AMX, AVX512-BF16), else none.")),
)  # fmt: skip


def _alias_parameter(option: _TrainOption, alias: str) -> str:
    """The command parameter of a hidden alias: ``checkpoint_every__checkpoint_every``."""
    return f"{option.name}__{alias.strip('-').replace('-', '_')}"


def training_command(*, max_steps: int, batch_size: int, learning_rate: float, checkpointing_steps: int,
                     validation_steps: int, warmup_steps: int = 0, metric: str | None = None, writes: str = "model"):  # fmt: skip
    """Make a train-* command of ``function(config: TrainConfig, **its own options) -> result``.

    The shared training options (``-o/--output-dir``, ``--max-steps``, ``--batch-size``,
    ``--gradient-accumulation-steps``, ``--learning-rate``, ``--warmup-steps``, ``--lr-schedule``,
    ``--checkpointing-steps``, ``--checkpoints-total-limit``, ``--validation-steps``,
    ``--resume-from-checkpoint``, ``--ema``, ``--seed``, ``--mixed-precision``; the old names ``--output``,
    ``--checkpoint-every``, ``--validate-every`` and ``--validation-every`` hidden, with the same
    checks) are added to the command's signature with this command's defaults (the rest are
    :class:`signkit.train.TrainConfig`'s) and reach it as one ``TrainConfig``. The
    command returns :func:`signkit.train.train`'s result; its closing line names the steps, the
    best ``metric`` on the dev data (a format such as ``"dev DTW {:.4f}"``) and the folder.
    """
    from signkit.train import TrainConfig

    defaults = {field.name: field.default for field in dataclasses.fields(TrainConfig)}
    defaults.update(output_dir=None, max_steps=max_steps, batch_size=batch_size, learning_rate=learning_rate,
                    warmup_steps=warmup_steps, checkpoint_every=checkpointing_steps, validate_every=validation_steps)

    def decorate(function):
        own = [p for p in inspect.signature(function, eval_str=True).parameters.values() if p.name != "config"]
        shared, hidden = [], []
        for option in _TRAIN_OPTIONS:
            shared.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=defaults[option.name],
                                            annotation=Annotated[option.type, option.option]))  # fmt: skip
            for alias in option.aliases:
                info = copy.copy(option.option)
                info.param_decls, info.hidden = (alias,), True
                hidden.append(inspect.Parameter(_alias_parameter(option, alias), inspect.Parameter.KEYWORD_ONLY,
                                                default=None, annotation=Annotated[Optional[option.type], info]))  # fmt: skip
        quiet_verbose = [p for p in own if p.name in ("quiet", "verbose")]
        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p not in quiet_verbose]
        parameters += shared + hidden + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in quiet_verbose]

        @functools.wraps(function)
        def command(**values):
            settings = {}
            for option in _TRAIN_OPTIONS:
                settings[option.name] = values.pop(option.name)
                for alias in option.aliases:
                    given = values.pop(_alias_parameter(option, alias))
                    settings[option.name] = settings[option.name] if given is None else given
            if settings["output_dir"] is None:
                raise typer.BadParameter("the folder to write is missing", param_hint="-o/--output-dir")
            check_output_folder(settings["output_dir"])
            result = function(config=TrainConfig(**settings), **values)
            best = f", best {metric.format(result['best'])}" if metric and result["best"] is not None else ""
            log.info(f"{function.__module__.rsplit('.', 1)[-1].replace('_', '-')}: {result['step']} steps{best}; "
                     f"{writes} in {settings['output_dir']}")  # fmt: skip
            return result

        command.__signature__ = inspect.Signature(parameters)
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return command

    return decorate


# Video output of `signkit render` and `signkit frnet`: an MP4 or a folder of PNG frames.
VideoTo = Annotated[Optional[str], typer.Option("--to", callback=one_of("mp4", "png"), metavar="mp4|png", show_default=False,
                                                help="Output: mp4 or png (default: mp4 for standard output or NAME.mp4, "
                                                     "png for a folder or a name without suffix).")]


def check_video_output(to: str | None, output: str | None) -> None:
    """Refuse PNG frames to standard output as a usage error (exit 2), before any work."""
    from signkit.pose.io import is_stdio

    if to == "png" and is_stdio(output):
        raise typer.BadParameter("PNG frames go to a folder: add -o FOLDER", param_hint="--to")


# FR-Net's parameters, shared by `signkit frnet` and `signkit train-diff`.
def _odd(value: int) -> int:
    if value % 2 == 0:
        raise typer.BadParameter(f"{value} is even; the neighbourhood needs a centre pixel")
    return value


FRNET_DEFAULTS = FRNetConfig()  # the defaults of the three options below
FRNetBlockSize = Annotated[int, typer.Option("--block-size", min=3, callback=_odd,
                                             help="FR-Net: side of the thresholding neighbourhood in pixels (odd).")]
FRNetConstant = Annotated[float, typer.Option("--constant", help="FR-Net: subtracted from the local mean before thresholding (grey levels).")]
FRNetKernel = Annotated[int, typer.Option("--kernel", min=1, help="FR-Net: side of the square erosion kernel in pixels.")]

