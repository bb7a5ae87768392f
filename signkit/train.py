"""The training loop every ``signkit train-*`` command shares, on Hugging Face Accelerate.

One loop, configured by :class:`TrainConfig`: seeded, AdamW with linear warm-up (then a constant
rate), gradient clipping, mixed precision (on a GPU bf16 where supported, else fp16; on a CPU bf16
autocast where it computes bf16 natively, else none: :func:`native_bf16_cpu`), a checkpoint every
``checkpoint_every`` steps in ``OUT/checkpoints/checkpoint-STEP`` (model, optimiser, scheduler and
random states, via ``Accelerator.save_state``) keeping the newest ``checkpoints_total_limit``,
``resume_from_checkpoint`` (a folder, or ``latest``), validation every ``validate_every`` steps
keeping the best model in ``OUT`` itself (with ``ema_decay``, of the parameters' exponential moving
average, checkpointed with the rest), a CSV log ``OUT/log.csv`` in long form
(``step,epoch,name,value``: ``train_loss``, its parts ``train_*``, ``lr``, ``dev_*``) and a rich
progress bar. Runs as one process, or under ``accelerate launch --multi_gpu --num_processes N`` (N
GPUs; on a machine without one, N CPU processes over gloo, see :func:`without_device`): batches are
split across processes, and only the main process validates, logs and saves.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from signkit import log
from signkit.errors import SignkitError, first_line

CHECKPOINTS = "checkpoints"
STATE_FILE = "signkit_state.json"


@dataclass
class Output:
    """What a model's ``forward`` returns on a training batch.

    Attributes:
        loss: the training loss, a scalar tensor.
        parts: its named terms as floats, logged as ``train_NAME``.
        outputs: the model's outputs on the batch (each model documents their shapes).
    """

    loss: object
    parts: dict[str, float]
    outputs: object = None


@dataclass
class TrainConfig:
    """Settings of :func:`train` (all steps are optimiser steps).

    Attributes:
        output_dir: the model folder: best (or last) model, ``log.csv``, ``checkpoints/``.
        max_steps: optimiser steps to train for in all.
        batch_size: sequences per step and process.
        learning_rate: peak AdamW learning rate, reached after ``warmup_steps``.
        weight_decay: AdamW's decoupled weight decay.
        warmup_steps: linear warm-up from 0.
        lr_schedule: after the warm-up, ``constant`` or ``cosine`` (half a cosine from the peak
            to 0 at ``max_steps``, Loshchilov & Hutter's SGDR without restarts).
        max_grad_norm: gradient clipping by global norm (0: none).
        gradient_accumulation_steps: batches whose gradients are summed before each optimiser
            step (Accelerate's ``accumulate``); an epoch's last step may take fewer.
        seed: seed of Python, NumPy and torch (data order included).
        checkpoint_every: steps between checkpoints (0: none).
        checkpoints_total_limit: checkpoints kept (the oldest are deleted).
        validate_every: steps between validations (0: only at the end); a fresh run also
            validates the untrained model (step 0).
        resume_from_checkpoint: a checkpoint folder, or ``latest`` for the newest in
            ``output_dir/checkpoints``; None starts afresh.
        mixed_precision: ``auto`` (bf16/fp16 on a GPU; on a CPU bf16 where
            :func:`native_bf16_cpu`, else none), ``no``, ``fp16``, ``bf16``.
        log_every: steps between logged training losses.
        group_by_length: batch examples of similar length together (see
            :class:`LengthGroupedSampler`), when the caller gives their lengths.
        ema_decay: 0, or the decay a step of an exponential moving average of the parameters
            (Polyak averaging, the running form of checkpoint averaging; torch's
            ``AveragedModel``), which is then what is validated and saved: 0.999 averages
            about the last 1,000 steps.
    """

    output_dir: str
    max_steps: int = 2000
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    lr_schedule: str = "constant"
    max_grad_norm: float = 1.0
    gradient_accumulation_steps: int = 1
    seed: int = 42
    checkpoint_every: int = 500
    checkpoints_total_limit: int = 3
    validate_every: int = 500
    resume_from_checkpoint: str | None = None
    mixed_precision: str = "auto"
    log_every: int = 10
    group_by_length: bool = True
    ema_decay: float = 0.0


def without_device() -> bool:
    """True on a machine with no GPU (or other accelerator torch knows): Accelerate is then given
    ``cpu=True``, which under ``accelerate launch --multi_gpu --num_processes N`` (or ``torchrun``)
    makes the N processes one CPU group over gloo; without it each would train alone, all writing
    the same folder."""
    import torch

    accelerator = getattr(torch, "accelerator", None)  # torch >= 2.6: CUDA, MPS, XPU, ...
    return not (accelerator.is_available() if accelerator else torch.cuda.is_available())


def native_bf16_cpu() -> bool:
    """True where the CPU computes bfloat16 matrix products in hardware: AMX tiles (Intel Sapphire
    Rapids and later) or AVX512-BF16 (Cooper Lake, AMD Zen 4 and later), as torch's own CPU checks
    tell. Only there is bf16 autocast worth having: on an AVX2-only CPU torch emulates bf16 and a
    training step ran 36x slower than in float32, so ``mixed_precision="auto"`` never picks it
    there. Measured side by side on a 2-core Intel Xeon with AMX: a SLUL training step (64
    sentences) 1.1-1.4x as fast as in float32 at d_model 256, 1.65x at d_model 512."""
    import torch

    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")  # torch >= 2.3; absent: False
    return any(getattr(torch.cpu, check, lambda: False)() for check in checks)


def _mixed_precision(setting: str) -> str:
    import torch

    if setting != "auto":
        return setting
    if not torch.cuda.is_available():
        return "bf16" if native_bf16_cpu() else "no"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def learning_rate_factor(config: TrainConfig, step: int) -> float:
    """The learning rate at optimiser step ``step`` (from 0) as a fraction of the peak: linear
    warm-up over ``warmup_steps``, then constant or cosine down to 0 at ``max_steps``.

    Args:
        config: the settings (``warmup_steps``, ``lr_schedule``, ``max_steps``).
        step: the optimiser step, from 0.

    Returns:
        A factor in (0, 1], for ``torch.optim.lr_scheduler.LambdaLR`` (0 only at the end of a
        cosine schedule).
    """
    warmup = max(1, config.warmup_steps)
    if step + 1 < warmup:
        return (step + 1) / warmup
    if config.lr_schedule == "cosine":
        done = (step + 1 - warmup) / max(1, config.max_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, done)))
    return 1.0


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The checkpoint with the highest step in ``output_dir/checkpoints``, or None.

    Only complete checkpoints count: a ``checkpoint-STEP`` folder holding ``signkit_state.json``
    (written after Accelerate's state).
    """
    folder = Path(output_dir) / CHECKPOINTS
    found = [p for p in folder.glob("checkpoint-*") if p.name.split("-")[-1].isdigit() and (p / STATE_FILE).is_file()]
    return max(found, key=lambda p: int(p.name.split("-")[-1]), default=None)


class LengthGroupedSampler:
    """A seeded shuffle that puts examples of similar length in the same batches.

    The order of each epoch: a permutation of all examples (seeded by ``seed + epoch``), cut into
    "megabatches" of ``50 * batch_size`` examples, each sorted by length (longest first) and cut
    into batches, and the batches shuffled (a short last batch stays last). Padding to the longest example of a batch then
    wastes less: on PHOENIX14T's sentences, batches of 64 hold 44% real source tokens shuffled
    at random and 84% grouped. The idea of Hugging Face ``Trainer``'s ``group_by_length``.

    Args:
        lengths: one length per example (tokens, frames: any size measure).
        batch_size: examples per batch (of each process).
        seed: the base seed.
    """

    def __init__(self, lengths: list[int], batch_size: int, seed: int):
        self.lengths, self.batch_size, self.seed, self.epoch = list(lengths), batch_size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order :meth:`__iter__` yields (called by Accelerate's loader)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        import torch

        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        mega = 50 * self.batch_size
        batches = []
        for first in range(0, len(order), mega):
            group = sorted(order[first : first + mega], key=lambda i: -self.lengths[i])
            batches.extend(group[i : i + self.batch_size] for i in range(0, len(group), self.batch_size))
        # the loader cuts this order into batches again: only the epoch's last batch may be short
        short = [batches.pop()] if batches and len(batches[-1]) < self.batch_size else []
        for batch in [batches[b] for b in torch.randperm(len(batches), generator=generator).tolist()] + short:
            yield from batch


def train(config: TrainConfig, model, dataset, collate: Callable, loss: Callable | None = None,
          validate: Callable | None = None, save: Callable | None = None, metric: str = "loss",
          greater_is_better: bool = False, lengths: list[int] | None = None) -> dict:  # fmt: skip
    """Train ``model`` on ``dataset`` with the shared loop (see the module docstring).

    Args:
        config: the settings.
        model: a ``torch.nn.Module``.
        dataset: a map-style dataset of examples.
        collate: examples to a batch (passed to the DataLoader).
        loss: ``loss(model, batch) -> (scalar tensor, {name: float})``; the named parts are
            logged as ``train_NAME`` (the main process's batch). None: the model's ``forward``
            on the batch, an :class:`Output`.
        validate: ``validate(model) -> {name: float}`` on the unwrapped model, main process;
            None to skip validation (the last model is kept).
        save: ``save(model, folder)`` writes the unwrapped model into a folder (main process).
        metric: the validation value that picks the best model.
        greater_is_better: whether a larger ``metric`` is better (BLEU) or a smaller (loss, DTW).
        lengths: each example's length; with ``config.group_by_length``, batches group similar
            lengths (:class:`LengthGroupedSampler`), else the order is a plain seeded shuffle.

    Returns:
        ``{"step": last step, "best": best metric or None, "resumed_from": step or 0}``.

    Raises:
        SignkitError: ``resume_from_checkpoint`` names no checkpoint, the dataset is empty, or
            the training loss becomes NaN or infinite (checked at each logged step). Errors of
            ``loss``, ``validate`` and ``save`` pass through.
    """
    import torch
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration, set_seed

    output = Path(config.output_dir)
    logging.getLogger("accelerate.utils.other").addFilter(_SHARED_WEIGHTS_FILTER)  # see the filter's docstring
    accelerator = Accelerator(cpu=without_device(), mixed_precision=_mixed_precision(config.mixed_precision),
                              gradient_accumulation_steps=config.gradient_accumulation_steps,
                              dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True))  # fmt: skip
    set_seed(config.seed)
    if len(dataset) == 0:
        raise SignkitError("no training examples")
    grouped = config.group_by_length and lengths is not None
    sampler = LengthGroupedSampler(lengths, config.batch_size, config.seed) if grouped else None
    # The loader draws from its own generator, not torch's global one: a run resumed within an
    # epoch starts its loader where the run it continues did not, and a draw there from the global
    # generator would shift the noise and dropout of every later step
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, shuffle=sampler is None,
                                         sampler=sampler, collate_fn=collate, drop_last=False,
                                         generator=torch.Generator().manual_seed(config.seed))  # fmt: skip
    # the fused kernel: one pass over all parameters (on a CPU several times faster than the loop)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay,
                                  fused=True)  # fmt: skip
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, partial(learning_rate_factor, config))
    averaged = None
    if config.ema_decay > 0:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay), use_buffers=True)
        accelerator.register_for_checkpointing(averaged)
    model, optimiser, loader, scheduler = accelerator.prepare(model, optimiser, loader, scheduler)
    if averaged is not None:
        averaged.to(accelerator.device)

    def kept_model():
        """The model validated and saved: the average, or the trained model itself."""
        return averaged.module if averaged is not None else accelerator.unwrap_model(model)

    step, best, resumed = 0, None, 0
    if config.resume_from_checkpoint:
        folder = (latest_checkpoint(output) if config.resume_from_checkpoint == "latest"
                  else Path(config.resume_from_checkpoint))  # fmt: skip
        if folder is None or not (folder / STATE_FILE).is_file():
            raise SignkitError(f"{config.resume_from_checkpoint}: no checkpoint to resume from"
                               + (f" in {output / CHECKPOINTS}" if config.resume_from_checkpoint == "latest" else ""))
        _load_checkpoint(accelerator, folder)
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        step, best, resumed = state["step"], state["best"], state["step"]
        log.info(f"resumed from {folder} at step {step}")
    if accelerator.is_main_process:
        output.mkdir(parents=True, exist_ok=True)
        (output / "train_config.json").write_text(json.dumps(asdict(config), indent=1), encoding="utf-8")
    logger = _CsvLog(output / "log.csv", resumed) if accelerator.is_main_process else None

    def is_better(value: float) -> bool:
        return best is None or (value > best if greater_is_better else value < best)

    def run_validation() -> None:
        nonlocal best
        if accelerator.is_main_process and validate is not None:
            evaluated = kept_model()
            evaluated.eval()
            with torch.no_grad():
                values = validate(evaluated)
            evaluated.train()
            for name, value in values.items():
                logger.write(step, epoch, f"dev_{name}", value)
            if metric in values and is_better(values[metric]):
                best = values[metric]
                if save is not None:
                    save(evaluated, output)
                log.detail(f"step {step}: best dev {metric} {best:.4f}, model saved")
        accelerator.wait_for_everyone()

    accumulation = config.gradient_accumulation_steps
    steps_per_epoch = max(1, math.ceil(len(loader) / accumulation))
    epoch = step // steps_per_epoch
    model.train()
    if step == 0 and validate is not None:
        run_validation()  # the untrained model: the baseline every later figure is compared with
    with log.progress("train", total=config.max_steps, unit="steps") as advance:
        advance(step)
        while step < config.max_steps:
            epoch = step // steps_per_epoch
            loader.set_epoch(epoch)
            batches = loader
            if step % steps_per_epoch:  # resumed within an epoch: the rest of that epoch's batches
                batches = accelerator.skip_first_batches(loader, step % steps_per_epoch * accumulation)
                batches.set_epoch(epoch)  # a new loader counts epochs from 0; the data order is seeded by epoch
            for batch in batches:
                with accelerator.accumulate(model):  # with one step of accumulation: every batch steps
                    value, parts = (loss or _forward)(model, batch)
                    accelerator.backward(value)
                    if config.max_grad_norm > 0 and accelerator.sync_gradients:
                        accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                    optimiser.step()
                    scheduler.step()
                    optimiser.zero_grad(set_to_none=True)
                if not accelerator.sync_gradients:
                    continue
                if averaged is not None:
                    averaged.update_parameters(accelerator.unwrap_model(model))
                step += 1
                advance(1)
                if step % config.log_every == 0 or step == config.max_steps:
                    mean = accelerator.reduce(value.detach(), reduction="mean").item()
                    if not math.isfinite(mean):
                        raise SignkitError(f"step {step}: the training loss is {mean}; lower --learning-rate")
                    if logger:
                        logger.write(step, epoch, "train_loss", mean)
                        for name, part in parts.items():
                            logger.write(step, epoch, f"train_{name}", part)
                        logger.write(step, epoch, "lr", scheduler.get_last_lr()[0])
                if config.validate_every and step % config.validate_every == 0:
                    run_validation()
                if config.checkpoint_every and step % config.checkpoint_every == 0:
                    _checkpoint(accelerator, output, step, best, config.checkpoints_total_limit)
                if step >= config.max_steps:
                    break
    if validate is not None and (not config.validate_every or step % config.validate_every):
        run_validation()  # the last steps were not validated yet
    if accelerator.is_main_process and save is not None and (validate is None or best is None):
        save(kept_model(), output)
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return {"step": step, "best": best, "resumed_from": resumed}


def _load_checkpoint(accelerator, folder: Path) -> None:
    """``accelerator.load_state(folder)``, its failures one error naming the checkpoint: a damaged
    file (a truncated ``optimizer.bin``), a model of other options (another ``--d-model``: torch's
    size mismatch), or a random-state file that cannot be read, which Accelerate would skip with a
    log line, resuming on other random numbers than the run it continues.

    Raises:
        SignkitError: the checkpoint cannot be loaded into this run.
    """
    import torch

    states = folder / f"random_states_{accelerator.process_index}.pkl"
    if not states.is_file():  # a run of fewer processes: said, not quietly skipped
        log.info(f"{folder}: no random states for process {accelerator.process_index}; it resumes with fresh ones")
    try:
        if states.is_file():
            torch.load(states, weights_only=False)  # signkit's own checkpoint, as Accelerate reads it
        accelerator.load_state(str(folder))
    except Exception as error:  # torch, safetensors and pickle each raise their own
        cause = "a model of other options" if "size mismatch" in str(error) else f"{type(error).__name__}"
        raise SignkitError(f"{folder}: cannot resume from this checkpoint ({cause}: {first_line(error)})") from None


def _forward(model, batch) -> tuple:
    """The loss and its parts of the model's ``forward`` (through it, so that distributed wrappers see the step)."""
    output = model(batch)
    return output.loss, output.parts


class _SharedWeightsFilter(logging.Filter):
    """Drops Accelerate's "Removed shared tensor" warning, logged at every checkpoint of a model
    whose modules share one weight by design (T5's encoder and decoder embed with its ``shared``
    embedding): the copy is saved once and tied again on load, as resuming shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Removed shared tensor" not in record.getMessage()  # after "[RANK 0] "


_SHARED_WEIGHTS_FILTER = _SharedWeightsFilter()


def _checkpoint(accelerator, output: Path, step: int, best, limit: int) -> None:
    folder = output / CHECKPOINTS / f"checkpoint-{step}"
    accelerator.save_state(str(folder))
    if accelerator.is_main_process:
        (folder / STATE_FILE).write_text(json.dumps({"step": step, "best": best}), encoding="utf-8")
        kept = sorted((p for p in (output / CHECKPOINTS).glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
                      key=lambda p: int(p.name.split("-")[-1]))  # fmt: skip
        for old in kept[: max(0, len(kept) - limit)]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()


class _CsvLog:
    """``step,epoch,name,value`` rows, flushed as written. Resuming at step N keeps the rows up to
    N (those logged after the checkpoint, before the run stopped, are dropped)."""

    def __init__(self, path: Path, resumed: int):
        rows = []
        if resumed and path.is_file():
            with path.open(newline="", encoding="utf-8") as old:
                rows = [row for row in list(csv.reader(old))[1:] if row and int(row[0]) <= resumed]
        self.file = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.file)
        self.writer.writerows([["step", "epoch", "name", "value"], *rows])

    def write(self, step: int, epoch: int, name: str, value: float) -> None:
        self.writer.writerow([step, epoch, name, f"{value:.6g}"])
        self.file.flush()
