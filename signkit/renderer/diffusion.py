"""The diffusion renderer: paired training data, training the dual ControlNet, rendering poses to video.

SignDiff's pose-to-video stage (Fang et al., 2023) on diffusers:

* :func:`build_pairs` turns videos and their keypoints into training pairs in diffusers' image
  folder layout: ``metadata.jsonl`` (one JSON object a line: ``file_name`` the target frame,
  ``pose_image``, ``frnet_image``, ``text`` the prompt) beside ``image/``, ``pose/`` and
  ``frnet/`` PNG folders, and ``signkit_pairs.json`` (resolution, the training signer's
  :class:`~signkit.renderer.condition.Placement`, FR-Net settings). Frames are squared as
  diffusers' training scripts do (shorter side scaled to the resolution, centre crop).
* :func:`train_diff` trains the dual-condition ControlNet of :mod:`signkit.renderer.controlnet`
  (base UNet, VAE and text encoder frozen) with the denoising loss of diffusers'
  ``train_controlnet.py`` (MSE to the noise, or to v for v-prediction bases) on the shared
  Accelerate loop, dropping the FR-Net condition of a training pair with probability
  ``frnet_dropout`` so the model also renders from the pose alone.
* :class:`DiffusionRenderer` renders pose sequences with diffusers'
  ``StableDiffusionControlNetPipeline`` (DDIM, deterministic), in batches of frames that all
  start from one shared initial latent drawn from ``seed`` (the same noise for every frame:
  frames differ only where the poses differ, which keeps the background and clothes steady).
  The FR-Net condition at inference is ``none`` (pose only) or ``previous`` (the FR-Net image of
  the previous generated frame, frame by frame).

A renderer folder holds ``config.json`` (:class:`RendererConfig`, the base folder, the resolved
options) and ``controlnet/`` (diffusers' layout). The base Stable Diffusion folder is not copied:
``config.json`` names it, and ``--base`` overrides it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.modelfolder import model_folder, write_config
from signkit.renderer.condition import Placement
from signkit.renderer.frnet import FRNetConfig

KIND = "signkit-diffusion-renderer"
METADATA, PAIRS = "metadata.jsonl", "signkit_pairs.json"
CONTROLNET = "controlnet"
DEFAULT_PROMPT = "a person signing, photo"
# Named prompts for the several output styles of Stable Signer; --prompt gives any other.
STYLES = {
    "studio": "a sign language interpreter signing in front of a plain grey studio background, photo, sharp focus",
    "news": "a sign language interpreter beside a television news programme, broadcast studio, photo",
    "outdoor": "a person signing outdoors in a park, natural daylight, photo",
    "cartoon": "a cartoon illustration of a person signing, clean lines, flat colours",
    "sketch": "a pencil sketch of a person signing, black and white drawing",
}
FRNET_MODES = ("none", "previous")


@dataclass
class RendererConfig:
    """What a trained renderer needs besides its weights.

    Attributes:
        base: the base Stable Diffusion folder (diffusers' pipeline layout).
        resolution: side of the square frames it was trained on, in pixels.
        prompt: the training prompt (the default prompt of rendering).
        latent_scale: how many times smaller the VAE's latents are than the frames.
        frnet: FR-Net settings (as :class:`~signkit.renderer.frnet.FRNetConfig`).
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


# --- paired training data --------------------------------------------------------------------------


def build_pairs(videos: list[str], keypoints: list[str | None], folder: str | Path, resolution: int,
                prompt: str = DEFAULT_PROMPT, frnet_config: FRNetConfig = FRNetConfig(), every: int = 1,
                span: tuple[float, float] = (0.0, 1.0), on_frame: Callable[[int], None] | None = None) -> dict:  # fmt: skip
    """Write training pairs (target frame, pose image, FR-Net image, prompt) of videos.

    Args:
        videos: video files or PNG frame folders of signers.
        keypoints: for each video, a pose file (.pose or .h5 holding one sequence; holistic or
            openpose-137 in the video's pixels, one frame per video frame), or None to extract
            MediaPipe Holistic keypoints now.
        folder: the pair folder to write (created; must not hold pairs already).
        resolution: side of the square frames, in pixels (a multiple of 8).
        prompt: the ``text`` of every pair.
        frnet_config: FR-Net settings.
        every: keep every n-th frame (consecutive frames are near duplicates).
        span: the part of each video to take, as fractions of its frames: frame n (from 0) of N
            is taken when ``span[0] * N <= n < span[1] * N`` (``(0, 0.75)`` and ``(0.75, 1)``
            split every video into training and held-out frames).
        on_frame: called with 1 per video frame read (progress).

    Returns:
        The summary written to ``signkit_pairs.json``: ``resolution``, ``pairs`` (count),
        ``placement``, ``frnet``, ``prompt``, ``sources``.

    Raises:
        SignkitError: an unreadable video or pose file, keypoint and video frame counts that
            differ, a folder that already holds pairs, or no frame that shows a signer.
    """
    if len(keypoints) != len(videos):
        raise SignkitError(f"{len(videos)} videos but {len(keypoints)} keypoint files")
    folder = Path(folder)
    if (folder / METADATA).exists():
        raise SignkitError(f"{folder}: holds training pairs already; give a new folder")
    for part in ("image", "pose", "frnet"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    rows, placements, sources = [], [], []
    for video, keypoint_file in zip(videos, keypoints):
        made, pixels = _video_pairs(video, keypoint_file, folder, resolution, prompt, frnet_config, every, span, on_frame)
        rows += made
        placements.append(pixels)
        sources.append({"video": str(video), "keypoints": str(keypoint_file) if keypoint_file else None,
                        "frames": len(pixels), "pairs": len(made)})  # fmt: skip
    if not rows:
        raise SignkitError(f"no frame of {', '.join(videos)} shows a signer (neck and shoulders)")
    placement = Placement.of(np.concatenate(placements), resolution)
    summary = {"resolution": resolution, "pairs": len(rows), "placement": asdict(placement),
               "frnet": asdict(frnet_config), "prompt": prompt, "span": list(span), "sources": sources}  # fmt: skip
    (folder / PAIRS).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    temporary = folder / f".{METADATA}.tmp"
    temporary.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    os.replace(temporary, folder / METADATA)  # last: a folder with metadata.jsonl is complete
    return summary


def _video_pairs(video: str, keypoint_file: str | None, folder: Path, resolution: int, prompt: str,
                 frnet_config: FRNetConfig, every: int, span: tuple[float, float], on_frame) -> tuple[list[dict], np.ndarray]:  # fmt: skip
    """Write one video's pairs; returns their metadata rows and the PT-50 pixels (frames, 50, 2)
    of the frames taken (NaN rows for the others), for the placement."""
    from itertools import chain

    from signkit.pose.io import read_sequences
    from signkit.renderer.condition import frame_condition, square_frame
    from signkit.renderer.frnet import frnet
    from signkit.video import read_frames

    frames = iter(read_frames(Path(video))[0])
    first = next(frames, None)
    if first is None:
        raise SignkitError(f"{video}: no frames")
    frames = chain([first], frames)
    if keypoint_file is None:
        from signkit.prep.extract import holistic_of_frames

        frames = list(frames)  # read twice: MediaPipe, then the pairs
        pose = holistic_of_frames(frames, str(video))
    else:
        sequences = list(read_sequences(keypoint_file))
        if len(sequences) != 1:
            raise SignkitError(f"{keypoint_file}: holds {len(sequences)} sequences; give one per video")
        pose = sequences[0].pose
    total = len(pose.body.data)
    height, width = first.shape[:2]
    images, pixels = frame_condition(pose, width, height, resolution, str(keypoint_file or video))
    stem = Path(video).stem if Path(video).is_file() else Path(video).name
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    rows, taken, count = [], np.zeros(total, dtype=bool), 0
    for count, (condition, frame) in enumerate(zip(images, frames), start=1):  # images first: no frame lost
        if on_frame is not None:
            on_frame(1)
        index = count - 1
        if not (span[0] * total <= index < span[1] * total) or index % every or not np.isfinite(pixels[index, 1]).all():
            continue  # outside the span, skipped, or no neck: no signer to condition on
        target = square_frame(frame, resolution)
        name = f"{stem}_{count:06d}.png"
        for part, image in (("image", target), ("pose", condition), ("frnet", frnet(target, frnet_config))):
            _write_png(folder / part / name, image)
        rows.append({"file_name": f"image/{name}", "pose_image": f"pose/{name}", "frnet_image": f"frnet/{name}",
                     "text": prompt})  # fmt: skip
        taken[index] = True
    count += sum(1 for _ in frames)  # video frames beyond the keypoints
    if count != total:
        raise SignkitError(f"{keypoint_file or video}: {total} keypoint frames for the {count} frames of {video}")
    return rows, np.where(taken[:, None, None], pixels, np.nan)


def _write_png(path: Path, image: np.ndarray) -> None:
    import cv2

    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise SignkitError(f"{path}: cannot write PNG")


def read_pairs(folder: str | Path) -> tuple[list[dict], dict]:
    """The rows of a pair folder's ``metadata.jsonl`` and its ``signkit_pairs.json`` summary.

    Raises:
        SignkitError: a missing file, a line that is not a JSON object with the four keys
            (``FILE:LINE``), or a named image that does not exist.
    """
    folder = Path(folder)
    try:
        summary = json.loads((folder / PAIRS).read_text(encoding="utf-8"))
        lines = (folder / METADATA).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as error:
        raise SignkitError(f"{folder}: not a pair folder of signkit train-diff ({type(error).__name__}: {error})") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            names = [row["file_name"], row["pose_image"], row["frnet_image"]]
            str(row["text"])
        except (ValueError, KeyError, TypeError) as error:
            raise SignkitError(f"{folder / METADATA}:{number}: not a pair ({type(error).__name__}: {error})") from None
        for name in names:
            if not (folder / name).is_file():
                raise SignkitError(f"{folder / METADATA}:{number}: {name}: no such image")
        rows.append(row)
    if not rows:
        raise SignkitError(f"{folder / METADATA}: no pairs")
    return rows, summary


def _image(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SignkitError(f"{path}: cannot decode image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class PairDataset:
    """A pair folder as a map-style dataset of ``{"image", "condition", "text"}``: the target
    frame float32 (3, R, R) in -1..1, the condition float32 (6, R, R) in 0..1 (pose RGB, then
    FR-Net RGB) and the prompt; images are read when an example is taken."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.rows, self.summary = read_pairs(folder)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        row = self.rows[index]
        target = _image(self.folder / row["file_name"])
        condition = np.concatenate([_image(self.folder / row["pose_image"]), _image(self.folder / row["frnet_image"])], -1)
        return {"image": (target.transpose(2, 0, 1).astype(np.float32) / 127.5 - 1.0),
                "condition": condition.transpose(2, 0, 1).astype(np.float32) / 255.0, "text": row["text"]}


def collate_pairs(examples: list[dict]) -> dict:
    """Examples of :class:`PairDataset` to a batch: ``image`` (B, 3, R, R) and ``condition``
    (B, 6, R, R) float32 tensors, ``text`` a list of B prompts."""
    import torch

    return {"image": torch.from_numpy(np.stack([e["image"] for e in examples])),
            "condition": torch.from_numpy(np.stack([e["condition"] for e in examples])),
            "text": [e["text"] for e in examples]}  # fmt: skip


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
            raise SignkitError(f"{folder}: not a readable Stable Diffusion folder ({type(error).__name__}: {error})") from None
        for part in (base.vae, base.unet, base.text_encoder):
            part.requires_grad_(False).eval()
        return base

    @property
    def latent_scale(self) -> int:
        """How many times smaller the latents are than the image."""
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    def encode_prompts(self, prompts: list[str], device) -> object:
        """CLIP hidden states (batch, 77, width) of prompts, as Stable Diffusion conditions on."""
        import torch

        tokens = self.tokenizer(prompts, padding="max_length", max_length=self.tokenizer.model_max_length,
                                truncation=True, return_tensors="pt").input_ids  # fmt: skip
        with torch.no_grad():
            return self.text_encoder(tokens.to(device))[0]


def training_module(controlnet, base: Base, frnet_dropout: float):
    """The module the shared loop trains: ``module(batch)`` (a :func:`collate_pairs` batch) is the
    scalar denoising loss of one random timestep per pair. The ControlNet is its one submodule;
    the frozen base is kept outside the module's parameters (not optimised, not in checkpoints)
    and follows the ControlNet's device on the first step."""
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


def train_diff(pairs: str | Path, dev_pairs: str | Path | None, base_folder: str | Path, config, *,
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
        SignkitError: unreadable pairs or base, or a resolution the base cannot take.
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
    :meth:`DiffusionRenderer.render_conditions`), in the order of the pair folder."""
    from signkit.evaluate.scores import frame_ssim

    poses = [_image(dev.folder / row["pose_image"]) for row in dev.rows]
    rendered = renderer.render_conditions(poses, steps=steps, seed=seed, frnet_mode=frnet_mode)
    targets = [_image(dev.folder / row["file_name"]) for row in dev.rows]
    return float(np.mean([frame_ssim(a, b) for a, b in zip(rendered, targets)]))


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

        Raises:
            SignkitError: not a renderer folder, or an unreadable base or ControlNet.
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
            SignkitError: a pose image of another size, or an unknown FR-Net mode.
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
        stood); ``options`` as :meth:`render_conditions`."""
        from signkit.renderer.condition import pose_condition_images

        images = pose_condition_images(pose, self.config.resolution, self.placement)
        return self.render_conditions(images, **options)
