"""Motion of pose sequences over time: resampling, gap filling, transitions, easing, filtering.

Operations on point arrays of shape (frames, points, dims) that every stage after the data model
uses (lexicon stitching, SLP-MoE assembly, subtitle timing, rendering at another fps). Transitions
and gap filling work in the PT-50 layout (:mod:`signkit.pose.layouts`), whose rest pose and
reference signer :data:`REST_POSE` is: a real frame of the PHOENIX14T sample released with
Progressive Transformers (``test.skels`` line 2, frame 1: test/25October_2010_Monday_tagesschau-24),
where both hands hang at rest; normalised units (neck at the origin, shoulder width 1/3). Points
with a face (the full order of :mod:`signkit.pose.convert`: PT-50, then the 128 face points) rest
with :data:`REST_FACE`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from signkit.pose.face import FACE_TEMPLATE
from signkit.pose.layouts import (
    PT50_LEFT_HAND,
    PT50_LSHOULDER,
    PT50_LWRIST,
    PT50_RIGHT_HAND,
    PT50_RSHOULDER,
    PT50_RWRIST,
)

# (50, 3) PT-50 rest pose and reference signer (see the module docstring for its source).
REST_POSE = np.array([
    0.01186, -0.20830, -0.00067, 0.00000, 0.00000, 0.00000, 0.16849, 0.03521, 0.00006,
    0.25906, 0.31198, 0.07527, 0.27398, 0.53322, 0.11315, -0.16448, 0.05073, 0.00071,
    -0.26108, 0.32306, 0.08420, -0.29769, 0.51575, 0.19434, -0.29906, 0.49240, 0.19459,
    -0.29632, 0.45839, 0.19463, -0.28693, 0.41743, 0.19487, -0.28160, 0.38316, 0.19489,
    -0.27136, 0.35784, 0.19513, -0.27304, 0.40735, 0.19468, -0.25886, 0.36671, 0.19492,
    -0.24932, 0.34054, 0.19516, -0.23981, 0.31842, 0.19539, -0.26721, 0.41312, 0.19485,
    -0.25478, 0.37370, 0.19488, -0.24854, 0.34913, 0.19512, -0.24339, 0.33064, 0.19514,
    -0.27626, 0.42037, 0.19484, -0.26496, 0.38675, 0.19487, -0.25659, 0.36422, 0.19489,
    -0.25019, 0.34725, 0.19491, -0.27816, 0.42962, 0.19465, -0.26660, 0.40224, 0.19488,
    -0.25905, 0.38407, 0.19512, -0.25353, 0.37008, 0.19536, 0.29665, 0.53900, 0.11339,
    0.29600, 0.57311, 0.11354, 0.29664, 0.61513, 0.11378, 0.26200, 0.61352, 0.11401,
    0.25278, 0.58781, 0.11425, 0.27120, 0.62422, 0.11361, 0.23635, 0.59897, 0.11370,
    0.21927, 0.57696, 0.11374, 0.20286, 0.55935, 0.11398, 0.21433, 0.51612, 0.11356,
    0.17947, 0.49392, 0.11376, 0.17297, 0.49945, 0.13764, 0.17681, 0.50408, 0.15586,
    0.22224, 0.52592, 0.11362, 0.20163, 0.49706, 0.11384, 0.19909, 0.50220, 0.13719,
    0.19087, 0.50679, 0.15269, 0.23488, 0.51528, 0.11361, 0.23264, 0.52261, 0.14234,
    0.22989, 0.50312, 0.14257, 0.22850, 0.50131, 0.15744,
], dtype=np.float32).reshape(50, 3)  # fmt: skip

# (178, 3) the rest pose with a face: REST_POSE, then signkit.pose.face.FACE_TEMPLATE (the median
# DGS Corpus face) at its nose.
REST_FACE = np.concatenate([REST_POSE, REST_POSE[0] + FACE_TEMPLATE]).astype(np.float32)

# (2, 3) the right and left hip of produced signing, which no producer predicts: where the DGS
# Corpus signers' hips stand from the neck, the median over the 1,718 frames of
# ../shared/data/dgs-sentences with the whole face tracked, normalised units.
REST_HIPS = np.array([[0.1153, 0.4509, 0.0], [-0.0974, 0.4593, 0.0]], dtype=np.float32)

# (shoulder, elbow, wrist, hand points) of each arm in PT-50.
ARMS = {"right": (PT50_RSHOULDER, 3, PT50_RWRIST, PT50_RIGHT_HAND),
        "left": (PT50_LSHOULDER, 6, PT50_LWRIST, PT50_LEFT_HAND)}

# A transition between two signs lasts TRANSITION_SECONDS[0] + wrist travel / TRANSITION_SPEED (at
# most TRANSITION_SECONDS[1]): the least-squares fit of the 62 gaps between consecutive glosses of
# the 11 DGS Corpus sentences whose frames keep their video's timing (frames within 10% of the
# sentence's duration at 25 fps): 0.10 s + travel / 0.90 normalised units per second (median
# travel 0.037, median gap 0.14 s; correlation 0.46)
TRANSITION_SPEED = 0.9  # wrist travel, normalised units per second
TRANSITION_SECONDS = (0.10, 0.6)  # fixed part, and the longest transition


def resample(points: np.ndarray, frames: int) -> np.ndarray:
    """Linearly resample (T, J, D) points to ``frames`` frames spanning the same motion.

    The first and last frames are kept; a single frame is repeated. Used to change the frame
    rate (``frames = round(T * new_fps / fps)``) or to stretch a clip to a time slot.

    Args:
        points: (T, J, D) array, T >= 1.
        frames: the number of output frames.

    Returns:
        (frames, J, D) float32, in the units of ``points``.
    """
    if len(points) == frames:
        return points.astype(np.float32)
    if len(points) == 1:
        return np.repeat(points, frames, axis=0).astype(np.float32)
    source = np.linspace(0, len(points) - 1, frames)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, len(points) - 1)
    weight = (source - low)[:, None, None]
    return ((1 - weight) * points[low] + weight * points[high]).astype(np.float32)


def fill_gaps(points: np.ndarray, index: np.ndarray) -> None:
    """Fill NaN frames of the given points in place by linear interpolation over time.

    Before a point's first and after its last known frame it holds the nearest known value; a
    point never seen takes the value of :data:`REST_FACE` (whose first 50 are :data:`REST_POSE`).

    Args:
        points: (frames, 50, 3) PT-50 points or (frames, 178, 3) PT-50 and face points, in
            normalised units, NaN where missing; changed in place.
        index: the point indices (into axis 1) to fill.
    """
    time = np.arange(len(points))
    for i in index:
        for d in range(3):
            values = points[:, i, d]
            known = np.isfinite(values)
            if known.all():
                continue
            points[:, i, d] = np.interp(time, time[known], values[known]) if known.any() else REST_FACE[i, d]


def minimum_jerk(t: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing of times ``t`` in [0, 1] (a numpy array or torch tensor, any shape):
    10t^3 - 15t^4 + 6t^5, zero velocity and acceleration at both ends (Flash & Hogan, 1985: the
    profile of human reaching)."""
    return t**3 * (10 - 15 * t + 6 * t * t)


def transition_frames(start: np.ndarray, end: np.ndarray, fps: float) -> int:
    """The frames of a transition from pose ``start`` to pose ``end`` ((points, 3) PT-50 first,
    normalised units): ``fps * (TRANSITION_SECONDS[0] + wrist travel / TRANSITION_SPEED)``
    rounded, at least 2 and at most ``TRANSITION_SECONDS[1]`` (see :data:`TRANSITION_SPEED` for
    the measurement). Wrist travel is the larger 2D distance moved by either wrist."""
    wrists = [wrist for _, _, wrist, _ in ARMS.values()]
    travel = np.linalg.norm(end[wrists, :2] - start[wrists, :2], axis=-1).max()
    fixed, longest = TRANSITION_SECONDS
    return int(np.clip(round(fps * (fixed + travel / TRANSITION_SPEED)), 2, round(longest * fps)))


def transition(start: np.ndarray, end: np.ndarray, fps: float) -> np.ndarray:
    """Eased in-between frames from pose ``start`` to pose ``end`` (both (50, 3), or (178, 3) with
    the face), exclusive.

    The length is :func:`transition_frames` (measured on DGS Corpus signing: 0.10 s + wrist
    travel / 0.90 units per s, 2 frames to 0.6 s); the easing is :func:`minimum_jerk`.

    Args:
        start: (points, 3) PT-50 pose (and face), the last frame before the transition.
        end: (points, 3) the first frame after it.
        fps: frames per second.

    Returns:
        (count, points, 3) float32, count frames strictly between ``start`` and ``end``.
    """
    count = transition_frames(start, end, fps)
    ease = minimum_jerk(np.arange(1, count + 1) / (count + 1))[:, None, None]
    return (start + (end - start) * ease).astype(np.float32)


def join(clips: list[np.ndarray], fps: float) -> np.ndarray:
    """Clips one after another with a :func:`transition` between each two.

    Args:
        clips: at least one PT-50 clip, each (frames, 50, 3) or (frames, 178, 3) with the face, at
            ``fps``, normalised units.
        fps: frames per second, which sets the transitions' lengths.

    Returns:
        (frames', points, 3) float32: the clips' frames plus the transitions' frames.
    """
    parts = [clips[0]]
    for clip in clips[1:]:
        parts.append(transition(parts[-1][-1], clip[0], fps))
        parts.append(clip)
    return np.concatenate(parts).astype(np.float32)


# Rest frames: leading and trailing frames whose wrists move slower than this (shoulder widths a
# second), or show no hand, are at rest. Measured on asl_house.mp4 (MediaPipe Holistic, 25 fps):
# at rest, before and after the sign, its wrists move 0.2-0.5 (the tracker's jitter); signing,
# 1-20.
REST_SPEED = 0.5


def active_frames(points: np.ndarray, fps: float, rest_speed: float = REST_SPEED) -> tuple[int, int]:
    """The frames between the rest at the start and at the end of a sign.

    A frame is at rest when no hand is seen or both wrists move slower than ``rest_speed``
    (shoulder widths a second, central differences).

    Args:
        points: (frames, 50, 3) PT-50 points in shoulder widths (PT-50's normalised units
            times 3), NaN for missing points.
        fps: frames per second.
        rest_speed: the slowest wrist speed of signing.

    Returns:
        ``(first, last)``, ``last`` exclusive: the first and after the last frame not at rest;
        the whole sequence when every frame is at rest.
    """
    wrists = points[:, [PT50_LWRIST, PT50_RWRIST]]
    hands_seen = np.isfinite(points[:, PT50_LEFT_HAND.start : PT50_RIGHT_HAND.stop]).all(-1).any(-1)
    speed = np.zeros(len(points))
    if len(points) > 1:
        velocity = np.gradient(np.nan_to_num(wrists), axis=0) * fps
        speed = np.where(np.isfinite(wrists).all(-1), np.linalg.norm(velocity, axis=-1), 0.0).max(-1)
    active = np.flatnonzero(hands_seen & (speed >= rest_speed))
    if len(active) == 0:
        return 0, len(points)
    return int(active[0]), int(active[-1]) + 1


# The low-pass over joined signing: the frequency below which 99% of the power of real wrist
# velocity lies, measured on the 32 DGS Corpus sentences of ../shared/data/dgs-sentences (Welch
# spectra of 32 frames at 25 fps, the 29 sentences of 32 frames or more; 95% lies below 3.9 Hz).
# What moves faster is tracker jitter and the corners of joins, not signing.
LOW_PASS_HZ = 7.0
LOW_PASS_ORDER = 4


def butterworth(order: int, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """A digital Butterworth low-pass: the coefficients ``(b, a)`` of ``scipy.signal.butter(order,
    cutoff)``, designed the same way (the analog prototype's poles, pre-warped to the cut-off,
    mapped by the bilinear transform) without importing scipy.signal (0.8 s, half the main job's
    budget).

    Args:
        order: the filter order (>= 1).
        cutoff: the cut-off as a fraction of the Nyquist frequency, in (0, 1).

    Returns:
        ``(b, a)``: float64 arrays of ``order + 1`` coefficients each, ``a[0] == 1``.
    """
    poles = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))  # the analog prototype's
    warped = 4 * np.tan(np.pi * cutoff / 2)  # pre-warped, at a sampling rate of 2 (scipy's convention)
    poles = poles * warped
    gain = warped**order / np.real(np.prod(4 - poles))
    digital = (4 + poles) / (4 - poles)
    return gain * np.poly(-np.ones(order)), np.real(np.poly(digital))


@lru_cache(maxsize=16)
def _zero_phase_kernel(order: int, cutoff: float, tolerance: float = 1e-7) -> np.ndarray:
    """The impulse response of :func:`butterworth`'s filter run forwards and backwards (the
    response of ``scipy.signal.filtfilt``): symmetric, cut where it falls under ``tolerance``."""
    b, a = butterworth(order, cutoff)
    response = np.zeros(256)
    for n in range(len(response)):  # the filter's difference equation on a unit impulse, a[0] = 1
        past = min(n, order)
        response[n] = (b[n] if n <= order else 0.0) - a[1 : past + 1] @ response[n - past : n][::-1]
    kernel = np.convolve(response, response[::-1])
    centre = len(response) - 1
    keep = np.flatnonzero(np.abs(kernel) > tolerance * np.abs(kernel).max())
    radius = max(centre - keep[0], keep[-1] - centre)
    return kernel[centre - radius : centre + radius + 1]


def low_pass(points: np.ndarray, fps: float, cutoff: float = LOW_PASS_HZ, order: int = LOW_PASS_ORDER) -> np.ndarray:
    """Points filtered over time by a zero-phase Butterworth low-pass: the filter of
    :func:`butterworth` run forwards and backwards (as ``scipy.signal.filtfilt``), applied as the
    symmetric impulse response that makes, so nothing lags; the ends are extended by odd reflection.

    Args:
        points: (T, J, D) array without NaN.
        fps: frames per second.
        cutoff: the cut-off frequency in Hz (:data:`LOW_PASS_HZ`); at or above half of ``fps``
            (the Nyquist frequency) the points are returned unfiltered.
        order: the Butterworth filter's order (doubled by running it both ways).

    Returns:
        (T, J, D) float32, in the units of ``points``; fewer than 2 frames are returned as they are.
    """
    points = np.asarray(points)
    if len(points) < 2 or cutoff >= fps / 2:
        return points.astype(np.float32)
    kernel = _zero_phase_kernel(order, cutoff / (fps / 2))
    radius = len(kernel) // 2
    flat = points.reshape(len(points), -1).astype(np.float64)
    reach = min(radius, len(flat) - 1)  # odd reflection about each end, then the end value held
    before, after = 2 * flat[0] - flat[reach:0:-1], 2 * flat[-1] - flat[-2 : -reach - 2 : -1]
    padded = np.concatenate([np.repeat(before[:1], radius - reach, 0), before, flat, after,
                             np.repeat(after[-1:], radius - reach, 0)])  # fmt: skip
    size = _fast_length(len(padded) + len(kernel) - 1)  # a linear, not circular, convolution
    full = np.fft.irfft(np.fft.rfft(padded, size, axis=0) * np.fft.rfft(kernel, size)[:, None], size, axis=0)
    return full[2 * radius : 2 * radius + len(flat)].reshape(points.shape).astype(np.float32)


def _fast_length(n: int) -> int:
    """The smallest length >= n whose only prime factors are 2, 3 and 5 (fast FFT sizes)."""
    while True:
        m = n
        for prime in (2, 3, 5):
            while m % prime == 0:
                m //= prime
        if m == 1:
            return n
        n += 1
