"""SignDiff's dual-condition ControlNet on diffusers, and Stable Diffusion bases built from configs.

SignDiff (Fang et al., 2023, eq. 4) adds a trainable copy of the base UNet's encoder, fed the
pose image c and the FR-Net image d, to the frozen base through zero convolutions::

    y = F(x; Θ) + Z(F(x + Z(e; Θz1); Θc); Θz2)

with e the two conditions superimposed. Here (:func:`dual_controlnet`) the copy is diffusers'
``ControlNetModel.from_unet`` (Θc initialised from the base UNet Θ, its outputs Z(·; Θz2) the
zero-initialised ``controlnet_down_blocks`` and ``controlnet_mid_block``) and its condition
embedding is :class:`DualConditionEmbedding`: the pose image through ControlNet's own embedding
(whose last convolution is zero-initialised: Z(·; Θz1)), plus the FR-Net image through a second
embedding of the same shape whose output enters through one more zero-initialised 1 x 1
convolution. The second branch's own last layer keeps its random initialisation, so that the
zero convolution after it receives a gradient at the first step (two zero layers in a row would
never move). Untrained, the ControlNet adds exactly zero to every UNet block: the base model's
output is unchanged (tested). A pose-only ControlNet (for instance a pretrained OpenPose one)
can take the FR-Net branch and keep its behaviour until training moves the zero convolution.

The condition tensor is (batch, 6, height, width) in 0-1: the pose image's RGB, then the FR-Net
image's; an all-zero FR-Net half means "no FR-Net condition" (the training drops it so).

:func:`build_base` writes a Stable Diffusion folder with random weights from configs (``tiny``
for tests and CPU runs, ``sd15`` with Stable Diffusion 1.5's sizes for timing on a GPU), since
nothing is ever downloaded: users pass their own local Stable Diffusion 1.5 folder.

This module imports torch and diffusers: commands import it inside their functions.
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers.models.controlnets.controlnet import ControlNetConditioningEmbedding

from signkit.errors import SignkitError

CONDITION_CHANNELS = 6  # pose RGB + FR-Net RGB
WEIGHTS = "diffusion_pytorch_model.safetensors"


class DualConditionEmbedding(torch.nn.Module):
    """Pose embedding plus zero-convolved FR-Net embedding (SignDiff eq. 4's Z(e; Θz1)).

    Args:
        pose: ControlNet's condition embedding for the pose image (3 channels in).
        channels: the embedding's output channels (the UNet's first block width).
        block_out_channels: the convolution widths of the FR-Net embedding (as the pose one's).

    Input (batch, 6, H, W) in 0-1; output (batch, channels, H / 2^k, W / 2^k) with k =
    len(block_out_channels) - 1 (8 x smaller for SD's four widths: the latent size).
    """

    def __init__(self, pose: torch.nn.Module, channels: int, block_out_channels: tuple[int, ...]):
        super().__init__()
        self.pose = pose
        self.frnet = ControlNetConditioningEmbedding(channels, 3, tuple(block_out_channels))
        torch.nn.init.kaiming_uniform_(self.frnet.conv_out.weight, a=5**0.5)  # torch's Conv2d default
        self.zero = torch.nn.Conv2d(channels, channels, kernel_size=1)
        torch.nn.init.zeros_(self.zero.weight)
        torch.nn.init.zeros_(self.zero.bias)

    def forward(self, condition: torch.Tensor) -> torch.Tensor:
        """Embed the two condition images.

        Args:
            condition: (batch, 6, H, W) float in 0-1: the pose image's RGB, then the FR-Net
                image's.

        Returns:
            (batch, channels, H / 2^k, W / 2^k): the pose embedding plus the zero-convolved
            FR-Net embedding.

        Raises:
            SignkitError: ``condition`` has another number of channels than 6.
        """
        if condition.shape[1] != CONDITION_CHANNELS:
            raise SignkitError(f"the dual ControlNet takes {CONDITION_CHANNELS} condition channels "
                               f"(pose RGB, FR-Net RGB), got {condition.shape[1]}")  # fmt: skip
        return self.pose(condition[:, :3]) + self.zero(self.frnet(condition[:, 3:]))


def _dualise(controlnet):
    config = controlnet.config
    controlnet.controlnet_cond_embedding = DualConditionEmbedding(controlnet.controlnet_cond_embedding, config.block_out_channels[0],
                                                                tuple(config.conditioning_embedding_out_channels))  # fmt: skip
    return controlnet


def dual_controlnet(unet, latent_scale: int = 8):
    """A dual-condition ControlNet initialised from a base UNet (eq. 4; see the module docstring).

    Args:
        unet: diffusers ``UNet2DConditionModel`` of the base model.
        latent_scale: how many times smaller the VAE's latents are than the image (SD: 8);
            the condition embeddings downsample the condition images by as much, with ControlNet's
            widths 16, 32, 96, 256 (the first log2(scale) + 1 of them).

    Returns:
        A diffusers ``ControlNetModel`` whose encoder copies ``unet``'s weights and whose condition
        embedding is :class:`DualConditionEmbedding`; every output residual is zero.

    Raises:
        SignkitError: ``latent_scale`` is not 1, 2, 4 or 8.
    """
    from diffusers import ControlNetModel

    downsamplings = int(latent_scale).bit_length() - 1
    if latent_scale < 1 or 2**downsamplings != latent_scale or downsamplings > 3:
        raise SignkitError(f"latent scale must be 1, 2, 4 or 8, got {latent_scale}")
    widths = (16, 32, 96, 256)[: downsamplings + 1]
    return _dualise(ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=widths))


def save_controlnet(controlnet, folder: str | Path) -> None:
    """Write a dual ControlNet in diffusers' layout (``config.json``, safetensors weights).

    Args:
        controlnet: the model made by :func:`dual_controlnet` or :func:`load_controlnet`.
        folder: the folder to write (diffusers' ``save_pretrained``, ``safe_serialization``).
    """
    quiet_libraries()
    controlnet.save_pretrained(str(folder), safe_serialization=True)


def load_controlnet(folder: str | Path):
    """Read a dual ControlNet written by :func:`save_controlnet`.

    Args:
        folder: the folder with ``config.json`` and ``diffusion_pytorch_model.safetensors``.

    Returns:
        The diffusers ``ControlNetModel`` with its :class:`DualConditionEmbedding`, in eval mode,
        on the CPU, float32 (the weights are copied into a model built from the config).

    Raises:
        SignkitError: the folder is missing, not a ControlNet, or its weights do not match.
    """
    from diffusers import ControlNetModel
    from safetensors import SafetensorError
    from safetensors.torch import load_model

    folder = Path(folder)
    try:
        controlnet = _dualise(ControlNetModel.from_config(ControlNetModel.load_config(str(folder))))
        load_model(controlnet, str(folder / WEIGHTS))
    except (OSError, ValueError, RuntimeError, KeyError, SafetensorError) as error:
        raise SignkitError(f"{folder}: not a readable dual ControlNet ({type(error).__name__}: {error})") from None
    return controlnet.eval()


# --- bases from configs ----------------------------------------------------------------------------

PRESETS = ("tiny", "sd15")


def _tokenizer():
    """A byte-level CLIP tokenizer without merges (each character a token): CLIP's byte-to-unicode
    alphabet, each character also with CLIP's end-of-word mark, and the two special tokens."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    alphabet = sorted(ByteLevel.alphabet())
    vocab = {token: i for i, token in enumerate(alphabet + [c + "</w>" for c in alphabet]
                                                + ["<|startoftext|>", "<|endoftext|>"])}  # fmt: skip
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def build_base(folder: str | Path, preset: str = "tiny", seed: int = 0) -> Path:
    """Write a Stable Diffusion pipeline folder (diffusers' layout) with random weights from configs.

    Args:
        folder: the folder to write (``unet/``, ``vae/``, ``text_encoder/``, ``tokenizer/``,
            ``scheduler/``, ``model_index.json``).
        preset: ``tiny`` (UNet widths 32, 64 with cross-attention of width 32; VAE widths 32,
            64, 64, so latents are a quarter of the image side; a 2-layer CLIP text encoder of
            width 32: about 2 M parameters, for tests and CPU runs at 64 x 64) or ``sd15``
            (Stable Diffusion 1.5's UNet, VAE and CLIP ViT-L/14 text encoder sizes, about
            1.07 G parameters, to time rendering at 512 x 512; it is no substitute for the real
            weights). Both use SD's scheduler (scaled-linear betas 0.00085-0.012, 1000 steps,
            epsilon prediction) and a byte-level tokenizer.
        seed: the torch seed of the random weights.

    Returns:
        The folder.

    Raises:
        SignkitError: an unknown preset.
    """
    quiet_libraries()  # before the pipeline's import, which warns about its image processors
    from diffusers import AutoencoderKL, DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    if preset not in PRESETS:
        raise SignkitError(f"unknown base preset {preset!r}: {', '.join(PRESETS)}")
    torch.manual_seed(seed)
    tokenizer = _tokenizer()
    special = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
               "pad_token_id": tokenizer.pad_token_id}
    if preset == "tiny":
        unet = UNet2DConditionModel(sample_size=16, block_out_channels=(32, 64), layers_per_block=1,
                                    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                    up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
                                    cross_attention_dim=32, attention_head_dim=8, norm_num_groups=32)  # fmt: skip
        vae = AutoencoderKL(block_out_channels=(32, 64, 64), layers_per_block=1, latent_channels=4,
                            down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
                            norm_num_groups=32, sample_size=64)  # fmt: skip
        text = CLIPTextConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                              vocab_size=len(tokenizer), max_position_embeddings=77, projection_dim=32, **special)  # fmt: skip
    else:
        unet = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8)
        vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                            down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                            sample_size=512)  # fmt: skip
        text = CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                              vocab_size=49408, max_position_embeddings=77, projection_dim=768, hidden_act="quick_gelu",
                              **special)  # fmt: skip
    scheduler = DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                              clip_sample=False, steps_offset=1)  # fmt: skip
    pipeline = StableDiffusionPipeline(vae=vae, text_encoder=CLIPTextModel(text), tokenizer=tokenizer, unet=unet,
                                       scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                       requires_safety_checker=False)  # fmt: skip
    pipeline.save_pretrained(str(folder), safe_serialization=True)
    return Path(folder)


def quiet_libraries() -> None:
    """Silence diffusers', transformers' and huggingface_hub's progress bars and notices on
    standard error (signkit draws its own progress), unless ``-v``/``SIGNKIT_DEBUG`` asks for
    everything."""
    import diffusers
    import huggingface_hub
    import transformers

    from signkit import log

    if log.debug():
        return
    for library in (diffusers, transformers):
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()
    huggingface_hub.utils.disable_progress_bars()
