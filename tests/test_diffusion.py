"""The diffusion renderer: condition images, the dual ControlNet (eq. 4), train-diff and render --style diffusion.

A tiny Stable Diffusion is built from configs (nothing is downloaded) and the real AUTSL clip
with its published MediaPipe keypoints gives the training pairs. One renderer is trained for the
whole module (``trained``) and every test that needs one reads it. The commands and this process
run torch on one thread (``ONE_THREAD``): these models are tiny, two threads on the shared cores
only wait for each other (a training step took ten times as long), and the frames rendered here
as references then match the commands' bit for bit.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import torch
from pose_format import Pose
from safetensors.torch import load_file

from conftest import assert_error, shared_data, signkit
from signkit.errors import SignkitError
from signkit.pose.io import read_sequences
from signkit.renderer.condition import (Placement, frame_condition, pose_condition_images, square_frame,
                                        square_pixels)  # fmt: skip
from signkit.renderer.controlnet import build_base, dual_controlnet, load_controlnet, save_controlnet
from signkit.renderer.diffusion import Base, DiffusionRenderer
from signkit.renderer.pairs import read_pairs
from signkit.renderer.prompts import STYLES
from signkit.video import read_frames

ONE_THREAD = {"OMP_NUM_THREADS": "1"}
AUTSL = ("videos/autsl_signer0_sample1000.mp4", "videos/autsl_signer0_sample1000.holistic.pose")
HELLO = "asl-lexicon/ase/hello.pose"  # another signer, another layout size than AUTSL's: placed
STEPS = 20  # optimiser steps of the module's renderer


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Torch on one thread in this process while the module runs, as the commands (``ONE_THREAD``)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A tiny Stable Diffusion folder with random weights (seed 0)."""
    return build_base(tmp_path_factory.mktemp("base") / "tiny", "tiny", seed=0)


def _train(data, out, base, *extra):
    """``signkit train-diff`` on the AUTSL clip at 64 x 64, 4 steps unless ``extra`` says otherwise."""
    video, keypoints = (str(data / name) for name in AUTSL)
    return signkit("train-diff", video, "--keypoints", keypoints, "--base", str(base), "-o", str(out),
                   "--resolution", "64", "--max-steps", "4", "--batch-size", "2", "--inference-steps", "2", *extra,
                   env=ONE_THREAD)  # fmt: skip


@pytest.fixture(scope="module")
def trained(base, tmp_path_factory):
    """The module's renderer: train-diff on every second AUTSL frame, the last quarter held out
    (17 training pairs, 5 dev), 20 steps of batches of 2 at a learning rate of 3e-3, validated and
    checkpointed every 10 steps; ``(folder, the command's result)``."""
    out = tmp_path_factory.mktemp("renderer") / "renderer"
    result = _train(shared_data(), out, base, "--hold-out", "0.25", "--every", "2", "--max-steps", str(STEPS),
                    "--learning-rate", "3e-3", "--validation-steps", "10", "--checkpointing-steps", "10")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    return out, result


@pytest.fixture(scope="module")
def renderer(trained):
    """The folder of the module's trained renderer."""
    return trained[0]


@pytest.fixture(scope="module")
def vivid(renderer, tmp_path_factory):
    """The trained renderer with 0.3 x N(0, 1) added to every ControlNet weight (seed 0): 20 steps
    do not teach a tiny ControlNet to use its conditions (its zero convolutions grow slowly: the
    trained renderer's frames of three poses differ by 0.004 grey levels on average), this one's
    by 0.4 levels, and its FR-Net images change them by about 3 levels, so what --frnet feeds it
    shows."""
    folder = tmp_path_factory.mktemp("vivid")
    controlnet = load_controlnet(renderer / "controlnet")
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in controlnet.parameters():
            parameter.add_(0.3 * torch.randn(parameter.shape, generator=generator))
    save_controlnet(controlnet, folder / "controlnet")
    shutil.copy(renderer / "config.json", folder / "config.json")
    return folder


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """Frames 20-22 of the ASL lexicon's "hello" (another signer and layout size than AUTSL's):
    a 3-frame .pose file."""
    pose = Pose.read((shared_data() / HELLO).read_bytes())
    pose.body.data, pose.body.confidence = pose.body.data[20:23], pose.body.confidence[20:23]
    path = tmp_path_factory.mktemp("short") / "hello-short.pose"
    with path.open("wb") as file:
        pose.write(file)
    return path


# Every preset rendered once, some with another seed or FR-Net mode (the command's options, then the
# library's): five renders show the presets, --seed and --frnet previous.
RUNS = {
    "studio": ((), {}),
    "news": (("--seed", "1"), {"seed": 1}),
    "outdoor": (("--frnet", "previous"), {"frnet_mode": "previous"}),
    "cartoon": ((), {}),
    "sketch": ((), {}),
}


@pytest.fixture(scope="module")
def runs(vivid, short, tmp_path_factory):
    """``signkit render SHORT --style diffusion --model VIVID --preset NAME OPTIONS`` for every
    preset, the options of RUNS (else seed 0, FR-Net none), as PNG frames: ``{name: frames}``."""
    folder = tmp_path_factory.mktemp("runs")
    return {name: _render(vivid, short, folder / name, "--preset", name, *options)
            for name, (options, _) in RUNS.items()}  # fmt: skip


def _render(model, pose, folder, *options) -> np.ndarray:
    """``signkit render POSE --style diffusion --model MODEL --steps 2 --batch-size 1 OPTIONS`` to
    PNG frames in ``folder``; the frames, read by OpenCV, as RGB (frames, height, width, 3)."""
    result = signkit("render", str(pose), "--style", "diffusion", "--model", str(model), "--steps", "2", "--batch-size",
                     "1", *options, "-o", str(folder), "--to", "png", env=ONE_THREAD)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    paths = sorted(folder.glob("frame_*.png"))
    return np.stack([cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB) for path in paths])


def _in_process(model, pose, **options) -> np.ndarray:
    """The frames of ``pose`` rendered in this process by the library (2 DDIM steps, frames one at a time)."""
    renderer = DiffusionRenderer.load(model)
    return np.stack(list(renderer.render(next(read_sequences(pose)).pose, steps=2, batch_size=1, **options)))


def _log(folder) -> dict:
    """A training log (``log.csv``, long form) as ``{(step, name): value}``."""
    rows = (folder / "log.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {(int(step), name): float(value) for step, _, name, value in (row.split(",") for row in rows)}


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


def _denoising_error(parts: Base, pairs, controlnet=None) -> float:
    """The training objective (diffusers' train_controlnet.py) on a pair folder, without its
    randomness: the mean squared error of the noise the UNet predicts for each frame's VAE latent
    (the distribution's mean) noised at timesteps 100, 300, 500, 700 and 900 with seeded noise,
    conditioned on the pose image and no FR-Net image. ``controlnet`` None: the base UNet alone,
    which is what an untrained dual ControlNet gives (its residuals are zero, tested above)."""
    rows = [json.loads(line) for line in (pairs / "metadata.jsonl").read_text().splitlines()]

    def images(key):
        pictures = [cv2.cvtColor(cv2.imread(str(pairs / row[key])), cv2.COLOR_BGR2RGB) for row in rows]
        return torch.from_numpy(np.stack(pictures)).permute(0, 3, 1, 2).float() / 255

    poses = images("pose_image")
    condition = torch.cat([poses, torch.zeros_like(poses)], dim=1)
    generator = torch.Generator().manual_seed(0)
    errors = []
    with torch.no_grad():
        latents = parts.vae.encode(images("file_name") * 2 - 1).latent_dist.mean * parts.vae.config.scaling_factor
        states = parts.encode_prompts([row["text"] for row in rows], "cpu")
        for step in (100, 300, 500, 700, 900):
            noise = torch.randn(latents.shape, generator=generator)
            steps = torch.full((len(latents),), step)
            noisy = parts.scheduler.add_noise(latents, noise, steps)
            residuals = {}
            if controlnet is not None:
                down, mid = controlnet(noisy, steps, encoder_hidden_states=states, controlnet_cond=condition,
                                       return_dict=False)  # fmt: skip
                residuals = {"down_block_additional_residuals": down, "mid_block_additional_residual": mid}
            predicted = parts.unet(noisy, steps, encoder_hidden_states=states, **residuals).sample
            errors.append(float(((predicted - noise) ** 2).mean()))
    return float(np.mean(errors))


def test_train_diff_writes_pairs_a_renderer_checkpoints_and_a_log(trained):
    out, result = trained
    rows, summary = read_pairs(out / "pairs")
    dev_rows, _ = read_pairs(out / "dev-pairs")
    assert summary["resolution"] == 64 and (len(rows), len(dev_rows)) == (17, 5)  # 43 frames, every second
    assert set(rows[0]) == {"file_name", "pose_image", "frnet_image", "text"}
    assert rows[0]["text"] == "a person signing, photo"
    assert not {r["file_name"] for r in rows} & {r["file_name"] for r in dev_rows}
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "signkit-diffusion-renderer" and config["config"]["resolution"] == 64
    assert (out / "controlnet" / "diffusion_pytorch_model.safetensors").is_file()
    log = _log(out)
    assert {key for key in log if key[0] == 0} == {(0, "dev_ssim"), (0, "dev_ssim_previous")}  # the untrained step
    for step in (10, STEPS):
        assert {(step, "dev_ssim"), (step, "dev_ssim_previous"), (step, "train_loss")} <= set(log)
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["checkpoint-10", f"checkpoint-{STEPS}"]
    # the best model is kept: the command reports the best dev SSIM of the log
    assert f"best dev SSIM {max(v for (_, name), v in log.items() if name == 'dev_ssim'):.4f}" in result.stderr.decode()


def _checkpoint_controlnet(renderer: Path, step: int):
    """The dual ControlNet of ``renderer``'s checkpoint at ``step`` (its weights are those of the
    prepared module, under ``controlnet.``)."""
    controlnet = load_controlnet(renderer / "controlnet")
    weights = load_file(renderer / "checkpoints" / f"checkpoint-{step}" / "model.safetensors")
    controlnet.load_state_dict({name.removeprefix("controlnet."): value for name, value in weights.items()})
    return controlnet


def test_train_diff_learns(trained, base):
    out, _ = trained
    # The denoising error on the held-out frames, measured here, of the ControlNet after the last step
    # falls by at least a fifth: measured 1.11 -> 0.72-0.73 (-34% to -35%) for these 20 steps on five
    # seeds (0-4).
    parts = Base.load(base)
    untrained = _denoising_error(parts, out / "dev-pairs")
    learned = _denoising_error(parts, out / "dev-pairs", _checkpoint_controlnet(out, STEPS))
    assert learned < 0.8 * untrained, (learned, untrained)


def test_train_diff_keeps_the_controlnet_of_the_best_dev_ssim(trained):
    """The renderer folder holds the ControlNet of the validation with the best dev SSIM. A base
    with random weights decodes any latent to a noise-like picture, so dev SSIM moves little and
    not always up (measured on seeds 0-4: 0.035 -> 0.042, 0.069 -> 0.067, 0.055 -> 0.048): the
    selection is what is tested here, the learning above."""
    out, _ = trained
    log = _log(out)
    best = max((step for step, name in log if name == "dev_ssim"), key=lambda step: log[(step, "dev_ssim")])
    kept = load_controlnet(out / "controlnet").state_dict()
    if best == 0:  # the untrained ControlNet: its zero convolutions are still zero
        assert all(not kept[name].any() for name in kept if name.startswith("controlnet_down_blocks"))
    else:
        checkpoint = _checkpoint_controlnet(out, best).state_dict()
        assert all(torch.equal(kept[name], checkpoint[name]) for name in kept)
        other = _checkpoint_controlnet(out, 10 if best == STEPS else STEPS).state_dict()
        assert not all(torch.equal(kept[name], other[name]) for name in kept)


def test_train_diff_resumes_from_its_last_checkpoint(renderer, data, base, tmp_path):
    out = tmp_path / "renderer"
    shutil.copytree(renderer, out)  # the module's renderer stays as trained
    resumed = _train(data, out, base, "--hold-out", "0.25", "--every", "2", "--max-steps", str(STEPS + 2),
                     "--resume-from-checkpoint", "latest")  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr.decode()
    stderr = resumed.stderr.decode()
    assert f"resumed from {out / 'checkpoints' / f'checkpoint-{STEPS}'} at step {STEPS}" in stderr
    assert f"{STEPS + 2} steps" in stderr
    # the log goes on where it stopped: its rows kept once, then those of the steps after
    before, after = ((folder / "log.csv").read_text().splitlines() for folder in (renderer, out))
    assert after[: len(before)] == before and len(after) > len(before)
    assert all(int(row.split(",")[0]) > STEPS for row in after[len(before) :])
    assert any(row.startswith(f"{STEPS + 2},") and ",train_loss," in row for row in after)


def test_render_diffusion_names_a_truncated_controlnet(renderer, data, tmp_path):
    """A truncated ControlNet weights file printed "internal error"; it is named, exit 1."""
    damaged = tmp_path / "renderer"
    shutil.copytree(renderer, damaged, ignore=shutil.ignore_patterns("checkpoints", "pairs", "dev-pairs"))
    weights = damaged / "controlnet" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    result = signkit("render", str(data / HELLO), "--style", "diffusion", "--model", str(damaged), "-o",
                     str(tmp_path / "x.mp4"), env=ONE_THREAD)  # fmt: skip
    assert_error(result, f"{damaged / 'controlnet'}: not a readable dual ControlNet", "SafetensorError")
    assert not (tmp_path / "x.mp4").exists()


def test_render_diffusion_writes_an_mp4_at_the_pose_rate(renderer, data, tmp_path):
    poses = data / HELLO
    frames = next(read_sequences(poses)).frames
    video = tmp_path / "hello.mp4"
    result = signkit("render", str(poses), "--style", "diffusion", "--model", str(renderer), "--steps", "2",
                     "--fps", "12.5", "-o", str(video), env=ONE_THREAD)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        rate, duration = stream.average_rate, float(stream.duration * stream.time_base)
        decoded = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert decoded.shape == (frames, 64, 64, 3) == (51, 64, 64, 3)
    assert rate == 12.5 and duration == pytest.approx(frames / 12.5, abs=1e-3)
    # the renderer's frames (the library renders them again here), through H.264: luma PSNR above 35 dB
    # (measured 43.5 dB; the frames of another seed lie at 17 dB). The 4:2:0 chroma of these
    # noise-like pictures is lost (RGB PSNR 20 dB), so luma is compared.
    reference = np.stack(list(DiffusionRenderer.load(renderer).render(next(read_sequences(poses)).pose, steps=2)))
    luma = [np.stack([cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in clip]).astype(float)
            for clip in (decoded, reference)]  # fmt: skip
    assert 10 * np.log10(255**2 / np.mean((luma[0] - luma[1]) ** 2)) > 35


def test_render_presets_are_their_documented_prompts(vivid, short, runs):
    usage = " ".join(signkit("render", "--help").stdout.decode().split())
    listed = re.search(r"--preset STYLE Diffusion style: a named prompt \(([^)]*)\)", usage).group(1).split(", ")
    assert sorted(listed) == sorted(STYLES) == sorted(runs)
    # each renders what the library renders with the preset's prompt (signkit.renderer.prompts) and
    # the run's seed and FR-Net mode
    for name, (_, options) in RUNS.items():
        assert np.array_equal(runs[name], _in_process(vivid, short, prompt=STYLES[name], **options)), name
    # and every prompt makes other frames (seed 0, no FR-Net): measured 0.07 to 0.18 grey levels
    # apart on average on this tiny base, whose random text encoder moves the pictures little
    frames = {name: _in_process(vivid, short, prompt=STYLES[name]) for name in listed}
    frames["default"] = _in_process(vivid, short)  # the training prompt
    names = sorted(frames)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            assert np.abs(frames[first].astype(int) - frames[second]).mean() > 0.02, (first, second)


def test_render_seed_picks_the_initial_latent(vivid, short, runs):
    seed1 = runs["news"]  # --seed 1: the library's frames of seed 1 (test above)
    assert np.array_equal(seed1, _in_process(vivid, short, prompt=STYLES["news"], seed=1))
    # another initial latent makes another picture, not a variation of it: measured 41 grey levels
    # apart on average, of 38 for the frames' own spread (standard deviation)
    assert np.abs(seed1.astype(int) - _in_process(vivid, short, prompt=STYLES["news"], seed=0)).mean() > 20


def _frnet(frame: np.ndarray) -> np.ndarray:
    """OpenCV's FR-Net image of an RGB frame with the renderer's settings (block 11, constant 8,
    kernel 5), as RGB."""
    binary = cv2.adaptiveThreshold(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                   cv2.THRESH_BINARY, 11, 8)  # fmt: skip
    return np.repeat(cv2.erode(binary, np.ones((5, 5), np.uint8))[..., None], 3, axis=-1)


def _conditioned_on(model, pose, silhouettes, prompt) -> np.ndarray:
    """Frames rendered here by diffusers' pipeline straight from ``pose``'s condition images and the
    FR-Net images ``silhouettes``, from the initial latent of seed 0 (2 DDIM steps, no guidance)."""
    renderer = DiffusionRenderer.load(model)
    side, scale = renderer.config.resolution, renderer.config.latent_scale
    latent = torch.randn((1, 4, side // scale, side // scale), generator=torch.Generator().manual_seed(0))
    frames = []
    for image, silhouette in zip(pose_condition_images(next(read_sequences(pose)).pose, side, renderer.placement),
                                 silhouettes):  # fmt: skip
        condition = torch.from_numpy(np.concatenate([image, silhouette], axis=-1)).permute(2, 0, 1)[None].float() / 255
        picture = renderer.pipeline(prompt=[prompt], image=condition, num_inference_steps=2, guidance_scale=1.0,
                                    latents=latent, height=side, width=side, output_type="np").images[0]  # fmt: skip
        frames.append(np.clip(np.rint(picture * 255), 0, 255).astype(np.uint8))
    return np.stack(frames)


def test_render_frnet_previous_conditions_each_frame_on_the_one_before(vivid, short, runs):
    previous, prompt = runs["outdoor"], STYLES["outdoor"]  # --frnet previous
    none = _in_process(vivid, short, prompt=prompt)  # as --frnet none renders (test above)
    assert previous.shape == none.shape == (3, 64, 64, 3)
    assert np.array_equal(previous[0], none[0])  # no frame before the first: no FR-Net image, as with none
    # later frames differ from --frnet none's: measured 3.5 and 2.7 grey levels on average
    assert all(np.abs(ours.astype(int) - theirs).mean() > 0.5 for ours, theirs in zip(previous[1:], none[1:]))
    # they are what OpenCV's FR-Net image of the frame written before gives (none for the first) ...
    silhouettes = [np.zeros_like(previous[0])] + [_frnet(frame) for frame in previous[:-1]]
    assert np.array_equal(previous, _conditioned_on(vivid, short, silhouettes, prompt))
    # ... as none's are what no FR-Net image gives
    assert np.array_equal(none, _conditioned_on(vivid, short, [np.zeros_like(frame) for frame in none], prompt))


def _usage_error(result, *fragments: str) -> None:
    """Exit 2 (a usage error), every fragment on standard error, nothing on standard output."""
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert all(fragment in stderr for fragment in fragments), stderr
    assert result.stdout == b""


def test_train_diff_and_render_name_bad_input(data, base, tmp_path):
    wrong = data / "videos" / "asl_house.mp4"  # 73 frames, not AUTSL's 43
    keypoints = str(data / AUTSL[1])
    result = signkit("train-diff", str(wrong), "--keypoints", keypoints, "--base", str(base), "-o", str(tmp_path / "r"),
                     "--resolution", "64", "--max-steps", "1")  # fmt: skip
    assert_error(result, "autsl_signer0_sample1000.holistic.pose", "43 keypoint frames", "73 frames")
    assert not (tmp_path / "r" / "pairs" / "metadata.jsonl").exists()
    # a base that is not there is named before any pair is built
    assert_error(_train(data, tmp_path / "r2", tmp_path / "nobase"), "nobase", "Stable Diffusion folder")
    assert not (tmp_path / "r2").exists()
    with pytest.raises(SignkitError, match="not a readable Stable Diffusion folder") as raised:
        Base.load(tmp_path)  # a folder, but not a diffusers pipeline
    assert "\n" not in str(raised.value)  # one Error: line
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    (pairs / "signkit_pairs.json").write_text('{"resolution": 64}')
    (pairs / "metadata.jsonl").write_text('{"file_name": "image/a.png"}\n')
    assert_error(signkit("train-diff", str(pairs), "--base", str(base), "-o", str(tmp_path / "r3")), "metadata.jsonl:1")
    pose = str(data / HELLO)
    _usage_error(signkit("render", pose, "--style", "diffusion", "-o", str(tmp_path / "x.mp4")), "--model")
    _usage_error(signkit("render", pose, "--prompt", "a signer", "-o", str(tmp_path / "x.mp4")), "--style")
    _usage_error(signkit("render", pose, "--preset", "studio", "-o", str(tmp_path / "x.mp4")), "--style")
    _usage_error(signkit("render", pose, "--style", "diffusion", "--model", str(base), "--preset", "noir"), "noir")
    _usage_error(signkit("train-diff", str(wrong), "--base", str(base), "-o", str(tmp_path / "r4"), "--resolution",
                         "60"), "--resolution", "multiple of 8")  # fmt: skip
    assert_error(signkit("render", pose, "--style", "diffusion", "--model", str(base), "-o", str(tmp_path / "x.mp4")),
                 "not a readable diffusion renderer folder")  # fmt: skip
    assert not (tmp_path / "x.mp4").exists()
