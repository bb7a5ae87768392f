"""Rendering poses with the diffusion renderer: SignDiff's pose-to-video stage (Fang et al., 2023) on diffusers.

:class:`DiffusionRenderer` renders pose sequences with diffusers'
``StableDiffusionControlNetPipeline`` (DDIM, deterministic), in batches of frames that all
start from one shared initial latent drawn from ``seed`` (the same noise for every frame:
frames differ only where the poses differ, which keeps the background and clothes steady).
The FR-Net condition at inference is ``none`` (pose only) or ``previous`` (the FR-Net image of
the previous generated frame, frame by frame). :class:`Base` is the frozen Stable Diffusion
folder it stands on. Training pairs are built by :mod:`signkit.renderer.pairs`, the ControlNet
trained by :mod:`signkit.renderer.training`.

A renderer folder holds ``config.json`` (:class:`RendererConfig`, the base folder, the resolved
options) and ``controlnet/`` (diffusers' layout). The base Stable Diffusion folder is not copied:
``config.json`` names it, and ``--base`` overrides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.modelfolder import model_folder
from signkit.renderer.condition import Placement
from signkit.renderer.frnet import FRNetConfig
from signkit.renderer.prompts import DEFAULT_PROMPT

KIND = "signkit-diffusion-renderer"
CONTROLNET = "controlnet"
FRNET_MODES = ("none", "previous")


@dataclass
class RendererConfig:
    """What a trained renderer needs besides its weights.

    Attributes:
        base: the base Stable Diffusion folder (diffusers' pipeline layout).
        resolution: side of the square frames it was trained on, in pixels.
        prompt: the training prompt (the default prompt of rendering).
        latent_scale: how many times smaller the VAE's latents are than the frames (SD: 8).
        frnet: FR-Net settings (as :class:`~signkit.renderer.frnet.FRNetConfig`; SignDiff, Fang
            et al.).
        frnet_dropout: probability that a training pair's FR-Net condition was left out.
        placement: where the training signer stands (as :class:`~signkit.renderer.condition.Placement`).
    """

    base: str = ""
    resolution: int = 512
    prompt: str = DEFAULT_PROMPT
    latent_scale: int = 8
    frnet: dict = field(default_factory=lambda: asdict(FRNetConfig()))
    frnet_dropout: float = 0.5
    placement: dict = field(default_factory=lambda: asdict(Placement()))


# --- the base model --------------------------------------------------------------------------------


@dataclass
class Base:
    """The frozen parts of a Stable Diffusion folder: ``vae``, ``unet``, ``text_encoder``,
    ``tokenizer`` and the training ``scheduler`` (diffusers and transformers objects)."""

    vae: object
    unet: object
    text_encoder: object
    tokenizer: object
    scheduler: object

    @classmethod
    def load(cls, folder: str | Path) -> Base:
        """Read a local Stable Diffusion folder (never the network).

        Each part is read with diffusers' or transformers' ``from_pretrained(...,
        local_files_only=True)``; the VAE, UNet and text encoder are frozen and in eval mode.

        Args:
            folder: a diffusers pipeline folder (``vae/``, ``unet/``, ``text_encoder/``,
                ``tokenizer/``, ``scheduler/``), e.g. Stable Diffusion 1.5 or :func:`build_base`'s.

        Raises:
            SignkitError: a missing or unreadable part.
        """
        from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
        from transformers import CLIPTextModel, CLIPTokenizer

        from signkit.renderer.controlnet import quiet_libraries

        quiet_libraries()
        folder = Path(folder)
        try:
            base = cls(vae=AutoencoderKL.from_pretrained(folder, subfolder="vae", local_files_only=True),
                       unet=UNet2DConditionModel.from_pretrained(folder, subfolder="unet", local_files_only=True),
                       text_encoder=CLIPTextModel.from_pretrained(folder, subfolder="text_encoder", local_files_only=True),
                       tokenizer=CLIPTokenizer.from_pretrained(folder, subfolder="tokenizer", local_files_only=True),
                       scheduler=DDPMScheduler.from_pretrained(folder, subfolder="scheduler", local_files_only=True))  # fmt: skip
        except (OSError, ValueError) as error:
            reason = " ".join(str(error).split())  # one line: the libraries' messages span several
            raise SignkitError(f"{folder}: not a readable Stable Diffusion folder ({type(error).__name__}: {reason})") from None
        for part in (base.vae, base.unet, base.text_encoder):
            part.requires_grad_(False).eval()
        return base

    @property
    def latent_scale(self) -> int:
        """How many times smaller the latents are than the image."""
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    def encode_prompts(self, prompts: list[str], device) -> object:
        """CLIP hidden states of prompts, as Stable Diffusion conditions on.

        Args:
            prompts: the texts, padded or truncated to the tokenizer's 77 tokens.
            device: torch device of the text encoder.

        Returns:
            A ``torch.Tensor`` (batch, 77, width) in the text encoder's dtype, computed without
            gradients (width 768 for Stable Diffusion 1.5).
        """
        import torch

        tokens = self.tokenizer(prompts, padding="max_length", max_length=self.tokenizer.model_max_length,
                                truncation=True, return_tensors="pt").input_ids  # fmt: skip
        with torch.no_grad():
            return self.text_encoder(tokens.to(device))[0]


# --- rendering -------------------------------------------------------------------------------------


class DiffusionRenderer:
    """Pose condition images to frames with ``StableDiffusionControlNetPipeline``.

    Args:
        base: the :class:`Base` the ControlNet was trained on.
        controlnet: the dual ControlNet (:func:`signkit.renderer.controlnet.load_controlnet`).
        config: the renderer's :class:`RendererConfig`.
        device: torch device of the models.
        dtype: torch dtype of the models (float32; float16/bfloat16 on a GPU).
    """

    def __init__(self, base: Base, controlnet, config: RendererConfig, device: str | None = None, dtype=None):
        import torch
        from diffusers import DDIMScheduler, StableDiffusionControlNetPipeline

        self.config = config
        self.pipeline = StableDiffusionControlNetPipeline(
            vae=base.vae, text_encoder=base.text_encoder, tokenizer=base.tokenizer, unet=base.unet,
            controlnet=controlnet, scheduler=DDIMScheduler.from_config(base.scheduler.config), safety_checker=None,
            feature_extractor=None, requires_safety_checker=False)  # fmt: skip
        if device is not None or dtype is not None:
            self.pipeline.to(device=device, dtype=dtype or torch.float32)
        self.pipeline.set_progress_bar_config(disable=True)

    @classmethod
    def load(cls, folder: str | Path, base: str | Path | None = None, device: str = "cpu", dtype=None) -> DiffusionRenderer:
        """Read a renderer folder of :func:`train_diff` (and its base, or ``base`` instead).

        Args:
            folder: the renderer folder (``config.json``, ``controlnet/``).
            base: the base Stable Diffusion folder, instead of the one ``config.json`` names.
            device: torch device to move the pipeline to.
            dtype: torch dtype of the models (None: float32).

        Raises:
            SignkitError: not a renderer folder (``config.json`` missing, unreadable or of another
                kind of model), a base folder that is not there, or an unreadable base or
                ControlNet.
        """
        from signkit.renderer.controlnet import load_controlnet

        with model_folder(folder, KIND, RendererConfig, "diffusion renderer folder") as (config, _):
            pass
        base_folder = base or config.base
        if not Path(base_folder).is_dir():
            raise SignkitError(f"{folder}: its base Stable Diffusion folder {base_folder} is not there; give --base DIR")
        return cls(Base.load(base_folder), load_controlnet(Path(folder) / CONTROLNET), config, device, dtype)

    @property
    def placement(self) -> Placement:
        """Where the training signer stood."""
        return Placement(**self.config.placement)

    def _latent(self, seed: int):
        import torch

        side = self.config.resolution // self.config.latent_scale
        generator = torch.Generator("cpu").manual_seed(seed)
        shape = (1, self.pipeline.unet.config.in_channels, side, side)
        return torch.randn(shape, generator=generator, dtype=torch.float32)

    def _run(self, conditions: list[np.ndarray], prompt: str, steps: int, guidance: float, latent) -> list[np.ndarray]:
        import torch

        pipeline = self.pipeline
        device, dtype = pipeline.unet.device, pipeline.unet.dtype
        tensor = torch.from_numpy(np.stack(conditions).transpose(0, 3, 1, 2).astype(np.float32) / 255.0)
        images = pipeline(prompt=[prompt] * len(conditions), image=tensor.to(device, dtype), num_inference_steps=steps,
                          guidance_scale=guidance, latents=latent.repeat(len(conditions), 1, 1, 1).to(device, dtype),
                          height=self.config.resolution, width=self.config.resolution, output_type="np").images  # fmt: skip
        return [np.clip(np.rint(image * 255), 0, 255).astype(np.uint8) for image in images]

    def render_conditions(self, poses: Iterable[np.ndarray], prompt: str | None = None, steps: int = 20,
                          guidance: float = 1.0, batch_size: int = 8, seed: int = 0, frnet_mode: str = "none",
                          on_frame: Callable[[int], None] | None = None) -> Iterator[np.ndarray]:  # fmt: skip
        """Frames from pose condition images.

        Args:
            poses: RGB uint8 (R, R, 3) pose images (:mod:`signkit.renderer.condition`), R the
                renderer's resolution.
            prompt: the text prompt (default: the training prompt).
            steps: DDIM denoising steps per frame.
            guidance: classifier-free guidance scale (1: none, one UNet pass a step).
            batch_size: frames denoised together (``frnet_mode="none"``).
            seed: seed of the one initial latent every frame starts from.
            frnet_mode: ``none`` (FR-Net left out) or ``previous`` (FR-Net image of the frame
                generated before; the first frame has none), frame by frame.
            on_frame: called with the number of frames made since the last call.

        Yields:
            RGB uint8 (R, R, 3) frames.

        Raises:
            SignkitError: a pose image of another size, or an unknown FR-Net mode; raised while
                iterating (this is a generator).
        """
        from signkit.renderer.frnet import frnet

        if frnet_mode not in FRNET_MODES:
            raise SignkitError(f"unknown FR-Net mode {frnet_mode!r}: {', '.join(FRNET_MODES)}")
        prompt = self.config.prompt if prompt is None else prompt
        latent, side = self._latent(seed), self.config.resolution
        frnet_config = FRNetConfig(**self.config.frnet)
        blank = np.zeros((side, side, 3), np.uint8)
        previous, batch = None, []

        def conditioned(pose: np.ndarray, silhouette: np.ndarray) -> np.ndarray:
            if pose.shape != (side, side, 3):
                raise SignkitError(f"pose image of {pose.shape[1]}x{pose.shape[0]} for a {side}x{side} renderer")
            return np.concatenate([pose, silhouette], axis=-1)

        for pose in poses:
            if frnet_mode == "previous":
                silhouette = blank if previous is None else frnet(previous, frnet_config)
                previous = self._flush([conditioned(pose, silhouette)], prompt, steps, guidance, latent, on_frame)[0]
                yield previous
                continue
            batch.append(conditioned(pose, blank))
            if len(batch) == batch_size:
                yield from self._flush(batch, prompt, steps, guidance, latent, on_frame)
                batch = []
        if batch:
            yield from self._flush(batch, prompt, steps, guidance, latent, on_frame)

    def _flush(self, batch, prompt, steps, guidance, latent, on_frame) -> list[np.ndarray]:
        frames = self._run(batch, prompt, steps, guidance, latent)
        if on_frame is not None:
            on_frame(len(frames))
        return frames

    def render(self, pose, **options) -> Iterator[np.ndarray]:
        """Frames of a pose of any layout that converts to PT-50 (placed as the training signer
        stood); ``options`` as :meth:`render_conditions`.

        Args:
            pose: a ``pose_format.Pose`` (frames, people, points, dims) of a layout with a PT-50
                mapping (pt50, holistic, openpose-137), any scale.
            **options: ``prompt``, ``steps``, ``guidance``, ``batch_size``, ``seed``,
                ``frnet_mode``, ``on_frame``.

        Returns:
            An iterator of RGB uint8 (R, R, 3) frames, R the renderer's resolution, one per pose
            frame.

        Raises:
            SignkitError: at the call, a layout without PT-50 mapping, no frame showing both
                shoulders or no drawable point (:func:`signkit.renderer.condition.
                pose_condition_images`); while iterating, as :meth:`render_conditions`.
        """
        from signkit.renderer.condition import pose_condition_images

        images = pose_condition_images(pose, self.config.resolution, self.placement)
        return self.render_conditions(images, **options)
