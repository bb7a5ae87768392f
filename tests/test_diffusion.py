"""The diffusion renderer: condition images, the dual ControlNet (eq. 4), train-diff and render --style diffusion.

A tiny Stable Diffusion is built from configs (nothing is downloaded) and the real AUTSL clip
with its published MediaPipe keypoints gives the training pairs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from conftest import assert_error, signkit
from signkit.errors import SignkitError
from signkit.pose.io import read_sequences
from signkit.renderer.condition import Placement, frame_condition, pose_condition_images, square_frame, square_pixels
from signkit.renderer.controlnet import build_base, dual_controlnet, load_controlnet, save_controlnet
from signkit.renderer.diffusion import Base
from signkit.renderer.pairs import read_pairs
from signkit.video import read_frames


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_base(tmp_path_factory.mktemp("base") / "tiny", "tiny", seed=0)


def _unet_inputs(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 4, 16, 16, generator=generator), torch.tensor([10, 700]),
            torch.randn(2, 77, 32, generator=generator), torch.rand(2, 6, 64, 64, generator=generator))  # fmt: skip


def test_untrained_dual_controlnet_leaves_the_base_output_unchanged(base):
    parts = Base.load(base)
    controlnet = dual_controlnet(parts.unet, parts.latent_scale)
    latents, steps, states, condition = _unet_inputs()
    with torch.no_grad():
        down, mid = controlnet(latents, steps, encoder_hidden_states=states, controlnet_cond=condition, return_dict=False)
        plain = parts.unet(latents, steps, encoder_hidden_states=states).sample
        controlled = parts.unet(latents, steps, encoder_hidden_states=states, down_block_additional_residuals=down,
                                mid_block_additional_residual=mid).sample  # fmt: skip
    assert all(torch.count_nonzero(r) == 0 for r in [*down, mid])
    assert torch.equal(plain, controlled)
    # the encoder copies the base UNet's weights
    assert torch.equal(controlnet.conv_in.weight, parts.unet.conv_in.weight)


def test_both_condition_branches_learn_from_the_first_step(base):
    parts = Base.load(base)
    controlnet = dual_controlnet(parts.unet, parts.latent_scale)
    latents, steps, states, condition = _unet_inputs(1)
    down, mid = controlnet(latents, steps, encoder_hidden_states=states, controlnet_cond=condition, return_dict=False)
    prediction = parts.unet(latents, steps, encoder_hidden_states=states, down_block_additional_residuals=down,
                            mid_block_additional_residual=mid).sample  # fmt: skip
    prediction.square().mean().backward()
    embedding = controlnet.controlnet_cond_embedding
    # the output zero convolutions get gradients; the FR-Net zero convolution does too, because
    # the FR-Net embedding before it is not zero (two zero layers in a row would never move)
    assert controlnet.controlnet_down_blocks[0].weight.grad.abs().sum() > 0
    assert embedding.zero.weight.grad is not None
    assert torch.count_nonzero(embedding.zero.weight) == 0 and torch.count_nonzero(embedding.frnet(condition[:, 3:])) > 0
    with pytest.raises(SignkitError, match="6 condition channels"):
        embedding(condition[:, :3])


def test_dual_controlnet_saves_and_loads_the_same_weights(base, tmp_path):
    parts = Base.load(base)
    controlnet = dual_controlnet(parts.unet, parts.latent_scale)
    with torch.no_grad():
        for parameter in controlnet.parameters():
            parameter.add_(0.01 * torch.randn_like(parameter))  # as if trained: residuals not zero
    save_controlnet(controlnet, tmp_path / "cn")
    loaded = load_controlnet(tmp_path / "cn")
    latents, steps, states, condition = _unet_inputs(2)
    with torch.no_grad():
        ours = controlnet(latents, steps, encoder_hidden_states=states, controlnet_cond=condition, return_dict=False)[1]
        theirs = loaded(latents, steps, encoder_hidden_states=states, controlnet_cond=condition, return_dict=False)[1]
    assert torch.count_nonzero(ours) > 0 and torch.equal(ours, theirs)
    with pytest.raises(SignkitError, match="not a readable dual ControlNet"):
        load_controlnet(tmp_path / "missing")


def test_condition_images_are_drawn_where_the_signer_stands(data):
    video = data / "videos" / "autsl_signer0_sample1000.mp4"
    pose = next(read_sequences(data / "videos" / "autsl_signer0_sample1000.holistic.pose")).pose
    frames = list(read_frames(video)[0])
    height, width = frames[0].shape[:2]
    images, pixels = frame_condition(pose, width, height, 64)
    images = list(images)
    assert len(images) == len(frames) and images[0].shape == (64, 64, 3) == square_frame(frames[0], 64).shape
    neck = pixels[0, 1]
    x, y = np.rint(neck).astype(int)
    assert images[0][max(0, y - 2) : y + 3, max(0, x - 2) : x + 3].any()  # a joint drawn at the neck
    # centre crop of a frame twice as wide: its centre lands in the square's centre, y only scaled
    assert np.allclose(square_pixels(np.array([[height, height / 2]]), 2 * height, height, 64), [[32.0, 32.0]])
    placement = Placement.of(pixels, 64)
    assert 0 < placement.neck_x < 1 and 0 < placement.shoulder_width < 1
    # any layout placed as the training signer stood: the neck lands at the placement
    placed = list(pose_condition_images(pose, 64, Placement(0.25, 0.5, 0.2)))
    assert placed[0][30:35, 14:19].any() and not placed[0][:, 48:].any()


def _train(data, out, base, *extra):
    video = data / "videos" / "autsl_signer0_sample1000.mp4"
    keypoints = data / "videos" / "autsl_signer0_sample1000.holistic.pose"
    return signkit("train-diff", str(video), "--keypoints", str(keypoints), "--base", str(base), "-o", str(out),
                   "--resolution", "64", "--max-steps", "4", "--batch-size", "2", "--learning-rate", "1e-3",
                   "--validate-every", "4", "--checkpoint-every", "2", "--inference-steps", "2", *extra)  # fmt: skip


def test_train_diff_trains_saves_and_renders_a_video(data, base, tmp_path):
    out = tmp_path / "renderer"
    result = _train(data, out, base, "--hold-out", "0.25", "--every", "2")
    assert result.returncode == 0, result.stderr.decode()
    rows, summary = read_pairs(out / "pairs")
    dev_rows, _ = read_pairs(out / "dev-pairs")
    assert summary["resolution"] == 64 and len(rows) + len(dev_rows) == 22  # 43 frames, every second
    assert set(rows[0]) == {"file_name", "pose_image", "frnet_image", "text"} and rows[0]["text"] == "a person signing, photo"
    assert not {r["file_name"] for r in rows} & {r["file_name"] for r in dev_rows}
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "signkit-diffusion-renderer" and config["config"]["resolution"] == 64
    assert (out / "controlnet" / "diffusion_pytorch_model.safetensors").is_file()
    log = (out / "log.csv").read_text().splitlines()
    assert any(line.startswith("0,0,dev_ssim,") for line in log) and any(line.startswith("4,") and "dev_ssim_previous" in line for line in log)
    assert sum(",train_loss," in line for line in log) >= 1
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["checkpoint-2", "checkpoint-4"]

    poses = data / "asl-lexicon" / "ase" / "hello.pose"  # another signer, another layout size: placed
    frames = next(read_sequences(poses)).frames
    for mode in ("none", "previous"):
        video = tmp_path / f"hello-{mode}.mp4"
        result = signkit("render", str(poses), "--style", "diffusion", "--model", str(out), "--steps", "2",
                         "--frnet", mode, "--preset", "studio", "-o", str(video))  # fmt: skip
        assert result.returncode == 0, result.stderr.decode()
        assert result.stderr == b""
        rendered, fps = read_frames(video)
        rendered = list(rendered)
        assert len(rendered) == frames and rendered[0].shape == (64, 64, 3) and fps == pytest.approx(29.97, abs=0.01)
        assert rendered[0].std() > 0
    # the same seed gives the same video; resuming continues from the last checkpoint
    again = signkit("render", str(poses), "--style", "diffusion", "--model", str(out), "--steps", "2", "--frnet", "none",
                    "--preset", "studio", "-o", str(tmp_path / "again.mp4"))  # fmt: skip
    assert again.returncode == 0
    assert np.array_equal(np.stack(list(read_frames(tmp_path / "again.mp4")[0])),
                          np.stack(list(read_frames(tmp_path / "hello-none.mp4")[0])))  # fmt: skip
    resumed = _train(data, out, base, "--hold-out", "0.25", "--every", "2", "--max-steps", "6",
                     "--resume-from-checkpoint", "latest")  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert "resumed from" in resumed.stderr.decode() and "6 steps" in resumed.stderr.decode()


def test_train_diff_and_render_name_bad_input(data, base, tmp_path):
    wrong = data / "videos" / "asl_house.mp4"  # 73 frames, not AUTSL's 43
    result = signkit("train-diff", str(wrong), "--keypoints", str(data / "videos" / "autsl_signer0_sample1000.holistic.pose"),
                     "--base", str(base), "-o", str(tmp_path / "r"), "--resolution", "64", "--max-steps", "1")  # fmt: skip
    assert_error(result, "autsl_signer0_sample1000.holistic.pose", "43 keypoint frames", "73 frames")
    assert not (tmp_path / "r" / "pairs" / "metadata.jsonl").exists()
    assert _train(data, tmp_path / "r2", tmp_path / "nobase").returncode == 1
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    (pairs / "signkit_pairs.json").write_text('{"resolution": 64}')
    (pairs / "metadata.jsonl").write_text('{"file_name": "image/a.png"}\n')
    assert_error(signkit("train-diff", str(pairs), "--base", str(base), "-o", str(tmp_path / "r3")), "metadata.jsonl:1")
    pose = str(data / "asl-lexicon" / "ase" / "hello.pose")
    assert signkit("render", pose, "--style", "diffusion", "-o", str(tmp_path / "x.mp4")).returncode == 2
    assert signkit("render", pose, "--prompt", "a signer", "-o", str(tmp_path / "x.mp4")).returncode == 2
    assert signkit("train-diff", str(wrong), "--base", str(base), "-o", str(tmp_path / "r4"), "--resolution", "60").returncode == 2
    assert_error(signkit("render", pose, "--style", "diffusion", "--model", str(base), "-o", str(tmp_path / "x.mp4")),
                 "not a readable diffusion renderer folder")  # fmt: skip
    assert not (tmp_path / "x.mp4").exists()
