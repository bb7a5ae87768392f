"""The shared training loop's data order and learning-rate schedule."""

from __future__ import annotations

import math
import random

import pytest
import torch

from signkit.train import LengthGroupedSampler, TrainConfig, _mixed_precision, learning_rate_factor


def test_length_grouped_batches_are_a_seeded_permutation_of_similar_lengths():
    rng = random.Random(0)
    lengths = [rng.randint(1, 60) for _ in range(1000)]
    sampler = LengthGroupedSampler(lengths, batch_size=16, seed=3)
    first = list(sampler)
    assert sorted(first) == list(range(1000)) and len(sampler) == 1000
    assert list(sampler) == first  # the same epoch, the same order
    sampler.set_epoch(1)
    assert sorted(list(sampler)) == list(range(1000)) and list(sampler) != first

    def padding(order):  # share of padded slots when each batch is padded to its longest
        batches = [order[i : i + 16] for i in range(0, len(order), 16)]
        return 1 - sum(lengths) / sum(len(b) * max(lengths[i] for i in b) for b in batches)

    shuffled = list(range(1000))
    rng.shuffle(shuffled)
    assert padding(first) < 0.5 * padding(shuffled)


def test_cosine_schedule_warms_up_then_decays_to_zero():
    config = TrainConfig("unused", max_steps=110, warmup_steps=10, lr_schedule="cosine")
    factors = [learning_rate_factor(config, step) for step in range(120)]
    assert factors[0] == 0.1 and factors[9] == 1.0
    assert all(a >= b for a, b in zip(factors[9:], factors[10:]))
    assert math.isclose(factors[59], 0.5, abs_tol=0.02) and factors[109] == 0.0 and factors[119] == 0.0
    constant = TrainConfig("unused", max_steps=110, warmup_steps=10)
    assert [learning_rate_factor(constant, step) for step in (0, 9, 50, 109)] == [0.1, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(("amx", "avx512_bf16", "chosen"),
                         [(True, False, "bf16"), (False, True, "bf16"), (False, False, "no")])
def test_auto_mixed_precision_on_a_cpu_is_bf16_only_where_it_is_native(monkeypatch, amx, avx512_bf16, chosen):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    assert _mixed_precision("auto") == chosen
    assert _mixed_precision("no") == "no" and _mixed_precision("bf16") == "bf16"


def test_gradient_accumulation_of_two_batches_makes_the_step_of_one_twice_as_large(tmp_path):
    """Two accumulated batches of 2 take the optimiser step of one batch of 4 (the same examples,
    the loss a mean), and an optimiser step takes that many batches."""
    import torch

    from signkit.train import train

    examples = [torch.tensor([float(i) / 12]) for i in range(12)]
    weights, batches = {}, {}
    for accumulation, batch_size in ((1, 4), (2, 2)):
        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1)
        seen = []

        def loss(model, batch, seen=seen):
            seen.append(len(batch))
            return ((model(batch) - 2 * batch - 1) ** 2).mean(), {}

        config = TrainConfig(str(tmp_path / str(accumulation)), max_steps=3, batch_size=batch_size, warmup_steps=0,
                             gradient_accumulation_steps=accumulation, checkpoint_every=0, validate_every=0,
                             mixed_precision="no", group_by_length=False)  # fmt: skip
        assert train(config, model, examples, torch.stack, loss)["step"] == 3
        weights[accumulation], batches[accumulation] = [p.detach().clone() for p in model.parameters()], seen
    assert batches == {1: [4, 4, 4], 2: [2, 2, 2, 2, 2, 2]}
    for one, two in zip(weights[1], weights[2]):
        assert torch.allclose(one, two, atol=1e-6), (one, two)


def test_the_moving_average_of_the_weights_is_what_is_validated_saved_and_resumed(tmp_path):
    """With ema_decay d, the model validated and saved is a_k = d a_(k-1) + (1 - d) p_k over the
    parameters p_k after each step (a_1 = p_1), and a run resumed from a checkpoint saves the
    average the uninterrupted run saves."""
    import torch

    from signkit.train import train

    examples = [torch.tensor([float(i) / 8]) for i in range(8)]

    def run(folder, resume=None, steps=4):
        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1)
        after, validated, saved = [], [], {}

        def loss(model, batch):
            after.append(torch.cat([p.detach().flatten() for p in model.parameters()]))  # p_(k-1)
            return ((model(batch) - 2 * batch - 1) ** 2).mean(), {}

        def validate(kept):  # each validation better than the last, the resumed run's too: each is saved
            validated.append(torch.cat([p.detach().flatten() for p in kept.parameters()]))
            return {"loss": -float(len(validated) + (2 if resume else 0))}

        def save(kept, _):
            saved["weights"] = torch.cat([p.detach().flatten() for p in kept.parameters()])

        config = TrainConfig(str(folder), max_steps=steps, batch_size=2, learning_rate=0.1, warmup_steps=0,
                             checkpoint_every=2, validate_every=2, mixed_precision="no", group_by_length=False,
                             ema_decay=0.5, resume_from_checkpoint=resume)  # fmt: skip
        train(config, model, examples, torch.stack, loss, validate=validate, save=save)
        after.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
        return after, validated, saved["weights"]

    after, validated, saved = run(tmp_path / "whole")
    average = after[1]  # the first step's parameters
    expected = [after[0]]  # the untrained model is validated before the first step
    for k, parameters in enumerate(after[2:], 2):
        average = 0.5 * average + 0.5 * parameters
        if k % 2 == 0:
            expected.append(average)
    assert len(validated) == 3 and all(torch.allclose(v, e) for v, e in zip(validated, expected))
    assert torch.allclose(saved, expected[-1]) and not torch.allclose(saved, after[-1])
    run(tmp_path / "cut", steps=2)  # stops at step 2, its checkpoint written
    resumed = run(tmp_path / "cut", resume=str(tmp_path / "cut" / "checkpoints" / "checkpoint-2"))[2]
    assert torch.allclose(resumed, saved)
