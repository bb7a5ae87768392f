"""Training the diffusion renderer: SignDiff's dual-condition ControlNet (Fang et al., 2023) on diffusers.

:func:`train_controlnet` trains the dual-condition ControlNet of :mod:`signkit.renderer.controlnet`
(base UNet, VAE and text encoder frozen) with the denoising loss of diffusers'
``train_controlnet.py`` (MSE to the noise, or to v for v-prediction bases) on the shared
Accelerate loop, dropping the FR-Net condition of a training pair with probability
``frnet_dropout`` so the model also renders from the pose alone; dev pairs are rendered and
scored by SSIM against the real frames.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from signkit import log
from signkit.errors import SignkitError
from signkit.modelfolder import write_config
from signkit.renderer.diffusion import CONTROLNET, FRNET_MODES, KIND, Base, DiffusionRenderer, RendererConfig
from signkit.renderer.frnet import FRNetConfig
from signkit.renderer.pairs import PairDataset, collate_pairs, read_image
from signkit.renderer.prompts import DEFAULT_PROMPT


def training_module(controlnet, base: Base, frnet_dropout: float):
    """The module the shared loop trains: ``module(batch)`` (a :func:`collate_pairs` batch) is the
    scalar denoising loss of one random timestep per pair. The ControlNet is its one submodule;
    the frozen base is kept outside the module's parameters (not optimised, not in checkpoints)
    and follows the ControlNet's device on the first step.

    The loss is that of diffusers' ``train_controlnet.py``: images (B, 3, R, R) in -1..1 encoded
    by the VAE to latents (times its scaling factor), noised at a random timestep of the base's
    scheduler, and the MSE between the UNet's prediction (with the ControlNet's residuals) and the
    noise (or v for a v-prediction scheduler), in float32.

    Args:
        controlnet: the dual ControlNet (:func:`signkit.renderer.controlnet.dual_controlnet`).
        base: the frozen :class:`Base`.
        frnet_dropout: probability (0-1) that a pair's FR-Net half (channels 3-5 of the
            condition) is set to zero, SignDiff's "no FR-Net" condition.

    Returns:
        A ``torch.nn.Module`` whose ``forward(batch)`` returns the scalar loss tensor.
    """
    import torch
    import torch.nn.functional as F

    class ControlNetTraining(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.controlnet = controlnet
            self._base = (base,)  # a tuple: not registered as a submodule

        def forward(self, batch: dict):
            base = self._base[0]
            device = next(self.controlnet.parameters()).device
            if base.unet.device != device:
                for part in (base.vae, base.unet, base.text_encoder):
                    part.to(device)
            image, condition = batch["image"].to(device), batch["condition"].to(device)
            if frnet_dropout > 0:  # leave the FR-Net half out of some pairs (zeros: "no FR-Net")
                keep = (torch.rand(len(condition), device=device) >= frnet_dropout).float()
                condition = torch.cat([condition[:, :3], condition[:, 3:] * keep[:, None, None, None]], dim=1)
            with torch.no_grad():
                latents = base.vae.encode(image).latent_dist.sample() * base.vae.config.scaling_factor
                states = base.encode_prompts(batch["text"], device)
            noise = torch.randn_like(latents)
            steps = torch.randint(0, base.scheduler.config.num_train_timesteps, (len(latents),), device=device)
            noisy = base.scheduler.add_noise(latents, noise, steps)
            down, mid = self.controlnet(noisy, steps, encoder_hidden_states=states, controlnet_cond=condition,
                                        return_dict=False)  # fmt: skip
            predicted = base.unet(noisy, steps, encoder_hidden_states=states, down_block_additional_residuals=down,
                                  mid_block_additional_residual=mid, return_dict=False)[0]  # fmt: skip
            if base.scheduler.config.prediction_type == "v_prediction":
                target = base.scheduler.get_velocity(latents, noise, steps)
            else:
                target = noise
            return F.mse_loss(predicted.float(), target.float())

    return ControlNetTraining()


def is_pair_folder(inputs: list[str], keypoints: list[str] | None = None, hold_out: float = 0.0) -> bool:
    """Whether :func:`train_diff`'s ``inputs`` are one pair folder already built (its
    ``metadata.jsonl`` present) rather than videos, checking that ``keypoints`` and ``hold_out``
    fit them.

    Raises:
        ValueError: keypoints or a hold-out with a pair folder (they apply to videos), or
            keypoint files that are not one per video.
    """
    from signkit.renderer.pairs import METADATA

    if len(inputs) == 1 and (Path(inputs[0]) / METADATA).is_file():
        if keypoints or hold_out:
            raise ValueError("a pair folder is already built: --keypoints and --hold-out apply to videos")
        return True
    if keypoints and len(keypoints) != len(inputs):
        raise ValueError(f"{len(inputs)} videos but {len(keypoints)} --keypoints files")
    return False


def train_diff(inputs: list[str], config, *, base: str, keypoints: list[str] | None = None, dev: str | None = None,
               hold_out: float = 0.0, resolution: int = 512, prompt: str = DEFAULT_PROMPT, every: int = 1,
               frnet: FRNetConfig = FRNetConfig(), frnet_dropout: float = 0.5, gradient_checkpointing: bool = False,
               inference_steps: int = 20) -> dict:  # fmt: skip
    """Train the diffusion renderer from videos (or a pair folder): the function behind
    ``signkit train-diff``.

    Builds the training pairs into ``OUTPUT/pairs`` (and ``OUTPUT/dev-pairs`` with ``hold_out``)
    with :func:`signkit.renderer.pairs.build_pairs`, a base with random weights into
    ``OUTPUT/base`` when ``base`` names a preset of :data:`signkit.renderer.controlnet.PRESETS`,
    then :func:`train_controlnet`. Under ``accelerate launch`` the main process builds and the
    others read; a resumed run reuses the pairs it built.

    Args:
        inputs: videos or PNG frame folders of signers, or one pair folder.
        config: the shared loop's settings (:class:`signkit.train.TrainConfig`); ``output_dir``
            is the renderer folder.
        base: a Stable Diffusion folder in diffusers' layout, or ``tiny``/``sd15`` (random weights).
        keypoints: keypoint files (.pose/.h5, in the videos' pixels), one per video; None:
            MediaPipe Holistic on the frames.
        dev: a pair folder for validation. hold_out: the last fraction (0 to under 1) of every
            video kept for validation instead.
        resolution: side of the square training frames in pixels (a multiple of 8).
        prompt: the prompt of every training frame. every: keep every n-th frame.
        frnet: FR-Net settings. frnet_dropout: probability (0-1) of leaving a pair's FR-Net out.
        gradient_checkpointing, inference_steps: as :func:`train_controlnet`.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` the best dev SSIM.

    Raises:
        ValueError: as :func:`is_pair_folder`.
        SignkitError: ``base`` neither a folder nor a preset; as
            :func:`signkit.renderer.pairs.build_pairs` and :func:`train_controlnet`.
    """
    from accelerate import PartialState

    from signkit.renderer.controlnet import PRESETS, build_base
    from signkit.renderer.pairs import METADATA, build_pairs
    from signkit.train import without_device

    if base not in PRESETS and not Path(base).is_dir():  # named before any pair is built
        raise SignkitError(f"{base}: no Stable Diffusion folder there (diffusers' layout), nor a preset "
                           f"({', '.join(PRESETS)})")  # fmt: skip
    out = Path(config.output_dir)
    state = PartialState(cpu=without_device())  # under accelerate launch: the main process builds, the others then read
    if is_pair_folder(inputs, keypoints, hold_out):
        pairs = inputs[0]
    else:
        pairs = str(out / "pairs")
        splits = [(pairs, (0.0, 1.0 - hold_out))] + ([(str(out / "dev-pairs"), (1.0 - hold_out, 1.0))] if hold_out else [])
        for folder, span in splits:
            with state.main_process_first():
                if (Path(folder) / METADATA).is_file() and (config.resume_from_checkpoint or not state.is_main_process):
                    continue  # the pairs of the run resumed, or just built by the main process
                with log.progress("pairs", unit="frames") as advance:
                    summary = build_pairs(inputs, keypoints or [None] * len(inputs), folder, resolution, prompt, frnet,
                                          every, span, on_frame=advance)  # fmt: skip
                if summary.get("reused"):
                    log.info(f"{folder}: its {summary['pairs']} pairs, of these videos and settings, used again")
                else:
                    log.info(f"{folder}: {summary['pairs']} pairs")
        if hold_out:
            dev = str(out / "dev-pairs")
    if base in PRESETS and not Path(base).is_dir():
        with state.main_process_first():
            if not (out / "base" / "model_index.json").is_file():
                build_base(out / "base", base, seed=config.seed)
                log.info(f"{out / 'base'}: a {base} Stable Diffusion with random weights")
        base = str(out / "base")
    options = {"inputs": inputs, "keypoints": keypoints, "base": base, "dev": dev, "hold_out": hold_out,
               "frnet_dropout": frnet_dropout, "train": asdict(config)}  # fmt: skip
    return train_controlnet(pairs, dev, base, config, frnet_dropout=frnet_dropout,
                            gradient_checkpointing=gradient_checkpointing, inference_steps=inference_steps,
                            options=options)  # fmt: skip


def train_controlnet(pairs: str | Path, dev_pairs: str | Path | None, base_folder: str | Path, config, *,
               frnet_dropout: float = 0.5, gradient_checkpointing: bool = False, inference_steps: int = 20,
               options: dict | None = None) -> dict:  # fmt: skip
    """Train the dual-condition ControlNet on a pair folder and write a renderer folder.

    Args:
        pairs: a pair folder of :func:`build_pairs`.
        dev_pairs: a pair folder for validation, or None: its frames are rendered from their pose
            images and compared with the real frames by SSIM, FR-Net left out (``ssim``, which
            picks the best model) and from the previous frame (``ssim_previous``).
        base_folder: the base Stable Diffusion folder (its latent size must divide the pairs'
            resolution).
        config: the shared loop's settings (``output_dir`` is the renderer folder).
        frnet_dropout: probability of leaving out a pair's FR-Net condition (0-1).
        gradient_checkpointing: recompute activations in the backward pass (less memory).
        inference_steps: DDIM steps of validation renders.
        options: the resolved options, saved in ``config.json``.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` the best dev SSIM.

    Raises:
        SignkitError: ``frnet_dropout`` outside 0-1, unreadable pairs or base, a resolution the
            base cannot take, dev pairs of another resolution, or as :func:`signkit.train.train`
            (no checkpoint to resume from, a loss that is not finite).
    """
    import torch

    from signkit.renderer.controlnet import dual_controlnet, save_controlnet
    from signkit.train import train

    if not 0 <= frnet_dropout <= 1:
        raise SignkitError(f"FR-Net dropout must be 0 to 1, got {frnet_dropout}")
    dataset = PairDataset(pairs)
    summary = dataset.summary
    base = Base.load(base_folder)
    resolution = int(summary["resolution"])
    multiple = base.latent_scale * 2 ** (len(base.unet.config.block_out_channels) - 1)
    if resolution % multiple:
        raise SignkitError(f"{pairs}: resolution {resolution} is not a multiple of {multiple}, "
                           f"which {base_folder}'s VAE and UNet need")  # fmt: skip
    dev = PairDataset(dev_pairs) if dev_pairs else None
    if dev is not None and int(dev.summary["resolution"]) != resolution:
        raise SignkitError(f"{dev_pairs}: resolution {dev.summary['resolution']} differs from {pairs}'s {resolution}")
    torch.manual_seed(config.seed)
    controlnet = dual_controlnet(base.unet, base.latent_scale)
    if gradient_checkpointing:
        controlnet.enable_gradient_checkpointing()
        base.unet.enable_gradient_checkpointing()
    renderer_config = RendererConfig(base=str(Path(base_folder).resolve()), resolution=resolution,
                                     prompt=dataset.rows[0]["text"], latent_scale=base.latent_scale,
                                     frnet=summary["frnet"], frnet_dropout=frnet_dropout,
                                     placement=summary["placement"])  # fmt: skip

    def validate(model):
        renderer = DiffusionRenderer(base, model.controlnet, renderer_config)
        return {f"ssim{'' if mode == 'none' else '_' + mode}": dev_ssim(renderer, dev, inference_steps, config.seed, mode)
                for mode in FRNET_MODES}  # fmt: skip

    def save(model, folder):
        save_controlnet(model.controlnet, Path(folder) / CONTROLNET)
        write_config(Path(folder), KIND, renderer_config, options or {})

    return train(config, training_module(controlnet, base, frnet_dropout), dataset, collate_pairs,
                 lambda model, batch: (model(batch), {}), validate=validate if dev is not None else None,
                 save=save, metric="ssim", greater_is_better=True)  # fmt: skip


def dev_ssim(renderer: DiffusionRenderer, dev: PairDataset, steps: int, seed: int, frnet_mode: str = "none") -> float:
    """Mean SSIM (:func:`signkit.evaluate.scores.frame_ssim`) against the real frames of the dev frames
    rendered from their pose images, with the FR-Net condition of ``frnet_mode`` (as
    :meth:`DiffusionRenderer.render_conditions`), in the order of the pair folder.

    SSIM of Wang et al. (2004) on luma, Gaussian window 11 x 11, sigma 1.5, data range 255.

    Args:
        renderer: the renderer being trained.
        dev: the dev pairs, at the renderer's resolution.
        steps: DDIM denoising steps per frame.
        seed: seed of the initial latent.
        frnet_mode: ``none`` or ``previous``.

    Returns:
        The mean SSIM over the dev frames, at most 1.

    Raises:
        SignkitError: an image of the pair folder that cannot be decoded, a pose image of
            another size than the renderer's, or an unknown FR-Net mode.
    """
    from signkit.evaluate.scores import frame_ssim

    poses = [read_image(dev.folder / row["pose_image"]) for row in dev.rows]
    rendered = renderer.render_conditions(poses, steps=steps, seed=seed, frnet_mode=frnet_mode)
    targets = [read_image(dev.folder / row["file_name"]) for row in dev.rows]
    return float(np.mean([frame_ssim(a, b) for a, b in zip(rendered, targets)]))
