"""Deterministic randomness and integer bookkeeping shared by every generator step.

Each step draws from its own stream, keyed by names rather than by call order, so that adding a
step or a département does not shift the numbers of the others. Python's `hash()` is salted per
process, hence CRC32 for the keys.
"""

import zlib

import numpy as np

IntArray = np.ndarray


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """An independent random generator for (seed, keys)."""
    words = [int(seed) & 0xFFFFFFFF]
    for key in keys:
        words.append(zlib.crc32(str(key).encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(words))


def allocate(total: int, weights: np.ndarray, rng: np.random.Generator | None = None) -> IntArray:
    """Split `total` into integers proportional to `weights`, summing exactly to `total`.

    Largest remainder method; ties (and near ties) are broken by a small random jitter when a
    generator is given, so that equal communes do not always favour the first one.
    """
    weights = np.asarray(weights, dtype=float)
    out = np.zeros(len(weights), dtype=np.int64)
    if total <= 0 or len(weights) == 0:
        return out
    positive = np.clip(weights, 0, None)
    if positive.sum() <= 0:
        positive = np.ones(len(weights))
    quotas = total * positive / positive.sum()
    out = np.floor(quotas).astype(np.int64)
    remainders = quotas - out
    if rng is not None:
        remainders = remainders + rng.random(len(weights)) * 1e-6
    missing = int(total - out.sum())
    if missing > 0:
        order = np.argsort(-remainders, kind="stable")
        out[order[:missing]] += 1
    return out


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> IntArray:
    """Round to an integer up or down with the probability of the fractional part.

    Plain rounding would zero out every small expected count (0.4 professionals → 0 everywhere);
    stochastic rounding keeps the sums right on average.
    """
    values = np.asarray(values, dtype=float)
    return np.floor(values + rng.random(values.shape)).astype(np.int64)


def adjust_sum(
    counts: np.ndarray, target: int, fractional: np.ndarray, cap: np.ndarray | None = None
) -> None:
    """Add or remove units in place so that `counts.sum() == target`.

    Units go first where the fractional part lost to rounding was largest (or is smallest when
    removing), staying within [0, cap]. Used where a published figure must be matched exactly.
    """
    diff = int(target - counts.sum())
    if diff == 0:
        return
    flat = counts.reshape(-1)
    frac = fractional.reshape(-1)
    room = (
        (cap.reshape(-1) - flat) if cap is not None else np.full(flat.shape, np.iinfo(np.int64).max)
    )
    while diff != 0:
        if diff > 0:
            candidates = np.flatnonzero(room > 0)
            if len(candidates) == 0:
                raise ValueError("cannot reach the target: every cell is at its cap")
            order = candidates[np.argsort(-frac[candidates], kind="stable")]
            step = order[:diff]
            flat[step] += 1
            room[step] -= 1
            diff -= len(step)
        else:
            candidates = np.flatnonzero(flat > 0)
            if len(candidates) == 0:
                raise ValueError("cannot reach the target: every cell is empty")
            order = candidates[np.argsort(frac[candidates], kind="stable")]
            step = order[:-diff]
            flat[step] -= 1
            room[step] += 1
            diff += len(step)
        frac = np.zeros_like(frac)


def luhn_key(digits: str) -> str:
    """The Luhn check digit to append to `digits` (FINESS, SIREN/SIRET, RPPS use it)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) if char.isdigit() else 0
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return luhn_key(number[:-1]) == number[-1]


def unique_numbers(rng: np.random.Generator, count: int, high: int, low: int = 0) -> IntArray:
    """`count` distinct integers in [low, high), in random order."""
    if count > high - low:
        raise ValueError(f"cannot draw {count} distinct numbers from {high - low}")
    return low + rng.choice(high - low, size=count, replace=False)
