"""The text-to-pose transformer (signkit.transformer): every SignDiff switch does what it claims, decoding
with cached keys and values equals teacher forcing, and a model folder round-trips."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from conftest import assert_error, signkit
from signkit.transformer import model as t2p
from signkit.transformer.data import Example, Vocabulary, collate, tokenize

VALUES = 6


def _config(**changes) -> t2p.T2PConfig:
    base = t2p.T2PConfig(vocabulary=20, values=VALUES, d_model=16, heads=2, feed_forward=32, future_prediction=0,
                         gaussian_noise=0.0, weight_norm_lambda=0.0, max_frames=40)  # fmt: skip
    return dataclasses.replace(base, **changes)


def _batch(lengths=(5, 3), seed=0) -> dict:
    rng = np.random.default_rng(seed)
    examples = [Example([3 + i, 4, 2], rng.normal(size=(n, VALUES)).astype(np.float32)) for i, n in enumerate(lengths)]
    return collate(examples)


def _model(**changes):
    torch.manual_seed(0)
    return t2p.ProgressiveTransformer(_config(**changes))


def test_future_prediction_adds_the_next_k_frames_to_the_target():
    model, batch = _model(future_prediction=3), _batch()
    made = model.targets(batch)
    frames, lengths = batch["frames"], batch["lengths"]
    assert made["target"].shape == (2, 5, VALUES * 4 + 1)
    for b, length in enumerate(lengths.tolist()):
        for i in range(5):
            for k in range(4):
                part = made["target"][b, i, k * VALUES : (k + 1) * VALUES]
                real = i + k < length
                assert bool(made["weight"][b, i, k * VALUES]) == real
                assert torch.equal(part, frames[b, i + k] if real else torch.zeros(VALUES))
            counter = made["target"][b, i, -1].item()
            assert counter == pytest.approx((i + 1) / length if i < length else 0.0)
    # without it: the next frame and the counter
    assert _model().targets(batch)["target"].shape == (2, 5, VALUES + 1)


def test_decoder_inputs_are_the_start_frame_then_the_previous_frames_with_counters():
    model, batch = _model(), _batch()
    inputs = model.targets(batch)["inputs"]
    assert torch.equal(inputs[:, 0], torch.cat([model.start, torch.zeros(1)]).expand(2, -1))
    assert torch.equal(inputs[0, 1:, :VALUES], batch["frames"][0, :4])
    assert inputs[0, 1:, -1].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8])
    just_counter = _model(counter=True).targets(batch)["inputs"]
    assert just_counter.shape == (2, 5, 1) and torch.equal(just_counter, inputs[..., -1:])


def test_masked_loss_ignores_padding_frames():
    batch = _batch()
    padded = dict(batch, frames=torch.cat([batch["frames"], torch.full((2, 4, VALUES), 7.0)], dim=1))
    padded["frames"][1, 3:5] = 7.0  # garbage where the second sequence has ended
    masked, plain = _model(), _model(masked_loss=False)
    assert masked(padded).loss.item() == pytest.approx(masked(batch).loss.item(), rel=1e-5)
    assert plain(padded).loss.item() != pytest.approx(plain(batch).loss.item(), rel=1e-3)
    # the masked loss is the mean over the real frames alone
    one = collate([Example([3, 4, 2], batch["frames"][1, :3].numpy())])
    two = collate([Example([3, 4, 2], batch["frames"][1, :3].numpy()), Example([3, 4, 2], batch["frames"][1, :3].numpy())])
    assert masked(two).parts["pose"] == pytest.approx(masked(one).parts["pose"], rel=1e-5)


def test_gaussian_noise_changes_only_the_training_inputs():
    batch = _batch()
    noisy, clean = _model(gaussian_noise=5.0), _model()
    noisy.noise_std.fill_(0.1)
    seen = []
    noisy.frame_embedding.register_forward_hook(lambda module, args, out: seen.append(args[0].detach().clone()))
    inputs = noisy.targets(batch)["inputs"]

    noisy.eval(), clean.eval()
    assert noisy(batch).loss.item() == pytest.approx(clean(batch).loss.item(), rel=1e-6)
    assert torch.equal(seen[-1], inputs)
    noisy.train(), clean.train()
    assert noisy(batch).loss.item() != pytest.approx(clean(batch).loss.item(), rel=1e-3)
    changed = seen[-1] - inputs
    assert changed[..., :-1].abs().max() > 0 and torch.equal(changed[..., -1], torch.zeros_like(changed[..., -1]))
    assert changed[..., :-1].std().item() == pytest.approx(0.5, rel=0.2)  # rate 5 x spread 0.1
    assert torch.equal(noisy.targets(batch)["target"], clean.targets(batch)["target"])
    # the spread follows the model's own errors on the training frames
    assert not torch.allclose(noisy.noise_std, torch.full_like(noisy.noise_std, 0.1))


def test_the_regulariser_is_lambda_times_the_sum_of_weight_norms():
    model = _model(weight_norm_lambda=0.01)
    parts = model(_batch()).parts
    matrices = [m.weight for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Embedding))]
    assert len(matrices) > 10
    assert parts["regulariser"] == pytest.approx(0.01 * sum(w.norm().item() for w in matrices), rel=1e-5)
    scaled = _model(loss_scale=10.0)
    output = scaled(_batch())
    loss, parts = output.loss, output.parts
    assert "regulariser" not in parts and loss.item() == pytest.approx(10 * (parts["pose"] + parts["counter"]), rel=1e-5)


def _trained_model(**changes):
    """A tiny model fitted to six synthetic sequences of 4 to 9 frames, so that its counter rises
    and its decoding stops at different frames for different sources."""
    model = _model(**changes)
    steps = np.arange(10, dtype=np.float32)[:, None]
    batch = collate([Example([3 + i, 2], np.sin(steps[: 4 + i] * (i + 1) / 4 + np.arange(VALUES)))
                     for i in range(6)])  # fmt: skip
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        optimiser.zero_grad()
        model(batch).loss.backward()
        optimiser.step()
    return model.eval(), batch


@pytest.mark.parametrize("counter", [False, True])
def test_cached_decoding_equals_teacher_forcing_and_one_by_one(counter):
    model, batch = _trained_model(counter=counter, future_prediction=2)
    with torch.no_grad():
        frames, lengths = model.decode(batch["source"], batch["source_mask"], 40)
        assert len(set(lengths.tolist())) > 1 and lengths.max() < 40  # they stop, not all at once
        memory = model.encode(batch["source"], batch["source_mask"])
        for b, length in enumerate(lengths.tolist()):
            # feed the decoded frames back as teacher-forced inputs: the same outputs
            inputs = torch.zeros(1, length, VALUES + 1)
            inputs[0, 0, :VALUES] = model.start
            out = None
            for t in range(length):
                out = model.predict(memory[b : b + 1], batch["source_mask"][b : b + 1],
                                    inputs[..., -1:] if counter else inputs).view(1, length, -1)  # fmt: skip
                if t + 1 < length:
                    inputs[0, t + 1] = torch.cat([out[0, t, :VALUES], out[0, t, -1:]])
            assert torch.allclose(out[0, :, :VALUES], frames[b, :length], atol=1e-5)
            assert out[0, length - 1, -1] > 1 - 0.5 / length  # the counter stop
            assert (out[0, : length - 1, -1] <= 1 - 0.5 / torch.arange(1, length)).all()
            alone, alone_length = model.decode(batch["source"][b : b + 1], batch["source_mask"][b : b + 1], 40)
            assert alone_length.item() == length and torch.allclose(alone[0, :length], frames[b, :length], atol=1e-5)
            assert not frames[b, length:].any()


def test_vocabulary_and_unknown_words():
    vocabulary = Vocabulary.build(["Am Tag regen.", "am abend regen"], "text")
    assert vocabulary.tokens[:3] == ["<pad>", "<unk>", "</s>"] and vocabulary.tokens[3:5] == ["am", "regen"]
    ids, unknown = vocabulary.encode("Am Morgen regen", "text")
    assert ids == [vocabulary.ids["am"], 1, vocabulary.ids["regen"], 2] and unknown == ["morgen"]
    assert tokenize("REGEN NORD", "gloss") == ["REGEN", "NORD"]
    assert len(Vocabulary.build(["a a b"], "text", min_count=2)) == 4  # b stays unknown


def test_model_folder_round_trip(tmp_path, data):
    from signkit.pose.io import read_sequences

    sequences = list(read_sequences(data / "phoenix14t" / "sample" / "train.skels"))
    vocabulary = Vocabulary.build([s.text for s in sequences], "text")
    model = _model(vocabulary=len(vocabulary), values=150)
    model.vocabulary, model.source, model.header = vocabulary, "text", sequences[0].pose.header
    model.save_pretrained(tmp_path / "m", {"source": "text"})
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"config.json", "model.safetensors", "vocabulary.txt", "layout.pose"}
    loaded = t2p.ProgressiveTransformer.from_pretrained(tmp_path / "m")
    assert loaded.source == "text" and loaded.vocabulary.tokens == vocabulary.tokens and loaded.header.total_points() == 50
    lines = [s.text for s in sequences[:2]] + [""]
    before = list(t2p.produce(model, lines, max_frames=12))
    after = list(t2p.produce(loaded, lines, max_frames=12))
    for one, two in zip(before, after):
        assert one.text == two.text and np.array_equal(one.pose.body.data, two.pose.body.data)
    assert after[-1].frames == 1 and after[0].layout == "pt50"
    # a face asked of a model without one is refused, naming the model (the rule of SLP-MoE models too)
    assert_error(signkit("t2p", "--model", str(tmp_path / "m"), "--layout", "slrtp178", input="regen\n"),
                 f"{tmp_path / 'm'} makes pt50 poses, not slrtp178")  # fmt: skip
