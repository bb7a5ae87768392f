"""`signkit score`: text measures against the libraries' own interfaces, DTW against a plain DP."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from conftest import assert_error, signkit
from signkit.pose.io import read_sequences
from signkit.pose.sequence import make_pose, person0
from signkit.evaluate.scores import dtw, dtw_cost, dtw_mje


def _translations(data, split="dev"):
    lines = (data / "phoenix14t" / "annotations" / f"{split}.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("|")[3] for line in lines]


def _hypotheses(references):
    """A deterministic imperfect system: every third sentence loses its last word, every fifth
    is upper-cased, every seventh swaps its first two words."""
    out = []
    for i, sentence in enumerate(references):
        words = sentence.split()
        if i % 3 == 0 and len(words) > 1:
            words = words[:-1]
        if i % 7 == 0 and len(words) > 1:
            words[0], words[1] = words[1], words[0]
        sentence = " ".join(words)
        out.append(sentence.upper() if i % 5 == 0 else sentence)
    return out


@pytest.fixture
def texts(data, tmp_path):
    references = _translations(data)
    hypotheses = _hypotheses(references)
    (tmp_path / "ref.de").write_text("\n".join(references) + "\n", encoding="utf-8")
    (tmp_path / "hyp.de").write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    return tmp_path / "hyp.de", tmp_path / "ref.de", hypotheses, references


def _score(*args, input=None):
    result = signkit("score", *args, input=input)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_bleu_is_sacrebleus(texts):
    from sacrebleu.metrics import BLEU

    hyp, ref, hypotheses, references = texts
    standard = _score("bleu", str(ref), "-i", str(hyp))
    slt = _score("bleu", "--slt", str(ref), input=hyp.read_bytes())
    for n in range(1, 5):
        assert standard[f"bleu{n}"] == pytest.approx(BLEU(max_ngram_order=n).corpus_score(hypotheses, [references]).score)
        own = BLEU(max_ngram_order=n, tokenize="none", lowercase=True, smooth_method="none", effective_order=True)
        assert slt[f"bleu{n}"] == pytest.approx(own.corpus_score(hypotheses, [references]).score)
    import sacrebleu

    assert standard["score"] == pytest.approx(sacrebleu.corpus_bleu(hypotheses, [references]).score)
    assert 30 < standard["score"] < 100 and slt["score"] > standard["score"]  # --slt ignores case
    assert "tok:13a" in standard["signature"] and "tok:none" in slt["signature"] and "case:lc" in slt["signature"]
    result = signkit("score", "bleu", str(ref), "-i", str(hyp), "-b")
    assert float(result.stdout) == pytest.approx(standard["score"], abs=1e-4)


def test_rouge_is_rouge_scores(texts):
    from rouge_score import rouge_scorer

    hyp, ref, hypotheses, references = texts
    standard = _score("rouge", str(ref), "-i", str(hyp))
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    expected = np.mean([scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hypotheses, references)]) * 100
    assert standard["score"] == pytest.approx(expected)

    slt = _score("rouge", "--slt", str(ref), "-i", str(hyp))

    class Split:
        def tokenize(self, text):
            return text.split()

    scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=Split())
    total = 0.0
    for h, r in zip(hypotheses, references):
        s = scorer.score(r.lower(), h.lower())["rougeL"]
        total += (1 + 1.2**2) * s.precision * s.recall / (s.recall + 1.2**2 * s.precision)
    assert slt["score"] == pytest.approx(100 * total / len(hypotheses))
    assert "fbeta:1.2" in slt["signature"]


def _edits(reference: list[str], hypothesis: list[str]) -> int:
    """Word-level Levenshtein distance, written plainly."""
    previous = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, start=1):
        current = [i]
        for j, other in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1]


def test_wer_is_corpus_edit_distance(texts, tmp_path):
    hyp, ref, hypotheses, references = texts
    standard = _score("wer", str(ref), "-i", str(hyp))
    edits = sum(_edits(r.split(), h.split()) for r, h in zip(references, hypotheses))
    assert standard["score"] == pytest.approx(100 * edits / sum(len(r.split()) for r in references))
    lower = _score("wer", "--slt", str(ref), "-i", str(hyp))
    edits = sum(_edits(r.lower().split(), h.lower().split()) for r, h in zip(references, hypotheses))
    assert lower["score"] == pytest.approx(100 * edits / sum(len(r.split()) for r in references))
    assert 0 < lower["score"] < standard["score"] and "average:corpus" in standard["signature"]
    (tmp_path / "gap.txt").write_text("a b\n\n", encoding="utf-8")
    assert_error(signkit("score", "wer", str(tmp_path / "gap.txt"), input="a b\nc\n"), "reference line 2 is empty")
    assert_error(signkit("score", "wer", str(ref), str(ref), "-i", str(hyp)), "one reference stream, not 2")


def _pure_python_dtw(reference, hypothesis):
    """Progressive Transformers' DTW written plainly: L1 frame cost, three steps, / |R|."""
    reference = [list(map(float, frame)) for frame in reference]
    hypothesis = [list(map(float, frame)) for frame in hypothesis]
    inf = float("inf")
    accumulated = [[inf] * (len(hypothesis) + 1) for _ in range(len(reference) + 1)]
    accumulated[0][0] = 0.0
    for i in range(1, len(reference) + 1):
        for j in range(1, len(hypothesis) + 1):
            cost = sum(abs(a - b) for a, b in zip(reference[i - 1], hypothesis[j - 1]))
            accumulated[i][j] = cost + min(accumulated[i - 1][j - 1], accumulated[i - 1][j], accumulated[i][j - 1])
    return accumulated[-1][-1] / len(reference)


def test_dtw_of_real_pairs_matches_a_plain_dynamic_program(data):
    dev = list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    test = list(read_sequences(data / "phoenix14t" / "sample" / "test.skels"))
    pairs = [(dev[i], test[i]) for i in range(2)]
    expected = []
    for reference, hypothesis in pairs:
        r = person0(reference.pose)[0][:-1].reshape(reference.frames - 1, -1)  # counter cut: last frame
        h = person0(hypothesis.pose)[0][:-1].reshape(hypothesis.frames - 1, -1)
        expected.append(_pure_python_dtw(r, h))
        assert dtw_cost(r, h) == pytest.approx(expected[-1], rel=1e-9)
    result = dtw([h for _, h in pairs], [r for r, _ in pairs])
    assert result.score == pytest.approx(np.mean(expected), rel=1e-6) and result.count == 2


def test_dtw_is_zero_on_itself_and_near_zero_on_a_time_stretched_copy(data):
    sequences = list(read_sequences(data / "phoenix14t" / "sample" / "dev.skels"))
    assert dtw(sequences, sequences).score == 0.0
    assert dtw_mje(sequences, sequences).score == 0.0
    stretched = []
    for sequence in sequences:
        points, confidence = person0(sequence.pose)
        slow = np.repeat(points, 2, axis=0)  # the same signing at half speed
        stretched.append(replace(sequence, pose=make_pose(sequence.pose.header, slow, np.repeat(confidence, 2, axis=0),
                                                          sequence.fps)))  # fmt: skip
    other = list(read_sequences(data / "phoenix14t" / "sample" / "test.skels"))[: len(sequences)]
    unrelated = dtw(other, sequences).score
    assert dtw(stretched, sequences).score < 0.01 * unrelated
    assert dtw_mje(stretched, sequences).score < 0.01 * dtw_mje(other, sequences).score


def test_score_reports_bad_input(texts, data, tmp_path):
    hyp, ref, _, _ = texts
    short = tmp_path / "short.de"
    short.write_text("ein satz\n", encoding="utf-8")
    assert_error(signkit("score", "bleu", str(short), "-i", str(hyp)), "short.de", "reference 1 has 1 lines")
    latin = tmp_path / "latin.de"
    latin.write_bytes("gr\u00fc\u00dfe\n".encode("latin-1"))
    assert_error(signkit("score", "bleu", str(ref), "-i", str(latin)), "latin.de:1", "not UTF-8")
    assert signkit("score", "meteor", str(ref), "-i", str(hyp)).returncode == 2
    skels = data / "phoenix14t" / "sample" / "dev.skels"
    holistic = data / "videos" / "autsl_signer0_sample1000.holistic.pose"
    assert_error(signkit("score", "dtw", str(skels), "-i", str(holistic)), "1 hypothesis sequences but 5")


@pytest.fixture
def frame_sets(data, tmp_path):
    """PNG folders: 12 real frames of a signer, the same with light noise, and with heavy noise."""
    from PIL import Image

    from signkit.video import read_frames

    frames = list(read_frames(data / "videos" / "autsl_signer0_sample1000.mp4")[0])[15:27]  # both hands seen
    rng = np.random.default_rng(0)
    folders = {}
    for name, sigma in (("real", 0), ("noisy", 15), ("noisier", 60)):
        folder = tmp_path / name
        folder.mkdir()
        for i, frame in enumerate(frames):
            noisy = np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8) if sigma else frame
            Image.fromarray(noisy).save(folder / f"frame_{i:03d}.png")
        folders[name] = str(folder)
    return folders


def test_video_measures_are_exact_on_themselves_and_grow_with_noise(frame_sets):
    from signkit.evaluate.scores import fid, hand_pose, hand_ssim, ssim

    real, noisy, noisier = frame_sets["real"], frame_sets["noisy"], frame_sets["noisier"]
    assert ssim(real, real).score == pytest.approx(1.0)
    assert ssim(noisier, real).score < ssim(noisy, real).score < 0.99
    assert hand_ssim(real, real).score == pytest.approx(1.0)
    assert hand_ssim(noisier, real).score < hand_ssim(noisy, real).score < 0.99
    assert hand_pose(real, real).score == pytest.approx(0.0)
    # the Inception network once (~20 s here: scipy's sqrtm of 2048 x 2048 covariances) ...
    assert fid(noisier, real).score > 10.0


def test_fid_with_a_feature_network_of_ones_own(frame_sets, tmp_path):
    """--inception: any TorchScript network of images to features; 16 features keep it quick."""
    import torch

    from signkit.errors import SignkitError
    from signkit.evaluate.scores import fid

    torch.manual_seed(0)
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 5, stride=4), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                                  torch.nn.Flatten()).eval()  # fmt: skip
    torch.jit.script(network).save(str(tmp_path / "features.pt"))
    real, noisy, noisier = frame_sets["real"], frame_sets["noisy"], frame_sets["noisier"]

    def score(produced):
        return fid(produced, real, inception=tmp_path / "features.pt").score

    assert score(real) == pytest.approx(0.0, abs=1e-6)
    assert score(noisier) > score(noisy) > 0
    (tmp_path / "broken.pt").write_bytes(b"not a network")
    with pytest.raises(SignkitError, match="broken.pt: cannot load the Inception network"):
        fid(noisy, real, inception=tmp_path / "broken.pt")


def test_video_measures_report_bad_input(data, frame_sets):
    video = data / "videos" / "asl_house.mp4"  # 73 frames, against 12
    assert_error(signkit("score", "ssim", frame_sets["real"], "-i", str(video)), "73 frames", "12")
    assert signkit("score", "ssim", frame_sets["real"]).returncode == 2  # video measures need -i
