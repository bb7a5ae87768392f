"""A tiny Stable Diffusion base fitted to a pair folder's frames, for CPU runs of the recipe.

Stable Diffusion 1.5 cannot train or render on a laptop CPU, and nothing is downloaded, so the
CPU recipe stands a tiny base in for it: `signkit.renderer.controlnet.build_base("tiny")` from
configs, then, on the shared training loop, its VAE fitted to the training frames (L1 + MSE
reconstruction, KL weight 1e-6, as latent-diffusion autoencoders are trained without their
GAN term) and its UNet trained to denoise their latents under the prompt (the text-to-image
pretraining SD had, on these frames only). The ControlNet is then trained on top of this base
with `signkit train-diff`, as it would be on SD1.5.

    python tiny_base.py OUT --videos V... --keypoints K... [--hold-out F] [--vae-steps N] [--unet-steps N]

The base sees the same training frames as the ControlNet (the first 1 - F of every video at
64 x 64); the held-out frames stay unseen by both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from signkit.renderer.controlnet import build_base
from signkit.renderer.diffusion import Base
from signkit.renderer.pairs import PairDataset, build_pairs, collate_pairs
from signkit.train import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--videos", nargs="+", required=True)
    parser.add_argument("--keypoints", nargs="+", required=True)
    parser.add_argument("--hold-out", type=float, default=0.25)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--vae-steps", type=int, default=800)
    parser.add_argument("--unet-steps", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out)
    build_pairs(args.videos, args.keypoints, out / "frames", args.resolution, span=(0.0, 1.0 - args.hold_out))
    build_base(out, "tiny", seed=args.seed)
    base = Base.load(out)
    data = PairDataset(out / "frames")

    def vae_loss(vae, batch):
        posterior = vae.encode(batch["image"]).latent_dist
        rebuilt = vae.decode(posterior.sample()).sample
        reconstruction = F.l1_loss(rebuilt, batch["image"]) + F.mse_loss(rebuilt, batch["image"])
        kl = posterior.kl().mean()
        return reconstruction + 1e-6 * kl, {"reconstruction": reconstruction.item()}

    vae = base.vae.requires_grad_(True).train()
    train(TrainConfig(output_dir=str(out / "vae-log"), max_steps=args.vae_steps, batch_size=16, learning_rate=1e-3,
                      warmup_steps=50, lr_schedule="cosine", checkpoint_every=0, seed=args.seed, validate_every=0),
          vae, data, collate_pairs, vae_loss, save=lambda model, folder: model.save_pretrained(out / "vae"))
    vae.requires_grad_(False).eval()
    # the scaling factor that gives latents unit variance, as SD's 0.18215 does for its VAE
    with torch.no_grad():
        latents = torch.cat([vae.encode(collate_pairs([data[i] for i in range(j, min(j + 32, len(data)))])["image"]).latent_dist.mean
                             for j in range(0, len(data), 32)])  # fmt: skip
    vae.register_to_config(scaling_factor=float(1 / latents.std()))
    vae.save_pretrained(out / "vae")

    def unet_loss(unet, batch):
        with torch.no_grad():
            latents = vae.encode(batch["image"]).latent_dist.sample() * vae.config.scaling_factor
            states = base.encode_prompts(batch["text"], latents.device)
        noise = torch.randn_like(latents)
        steps = torch.randint(0, base.scheduler.config.num_train_timesteps, (len(latents),))
        predicted = unet(base.scheduler.add_noise(latents, noise, steps), steps, encoder_hidden_states=states).sample
        return F.mse_loss(predicted, noise), {}

    unet = base.unet.requires_grad_(True).train()
    train(TrainConfig(output_dir=str(out / "unet-log"), max_steps=args.unet_steps, batch_size=16, learning_rate=5e-4,
                      warmup_steps=50, lr_schedule="cosine", checkpoint_every=0, seed=args.seed, validate_every=0),
          unet, data, collate_pairs, unet_loss, save=lambda model, folder: model.save_pretrained(out / "unet"))


if __name__ == "__main__":
    main()
