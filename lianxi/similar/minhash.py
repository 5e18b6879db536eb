"""MinHash signatures and their LSH band keys, in numpy, for one text or a batch.

A shingle (two characters) is a 42-bit integer (two 21-bit code points), mixed by splitmix64; min-hash ``i`` of a
set is the least of ``splitmix64(x ^ SEEDS[i])`` over its shingles, of which the signature keeps the low 16 bits
(b-bit min-hashing: two different minima agree on their low 16 bits once in 65,536, so the share of agreeing
positions still estimates the Jaccard similarity). A signature is BANDS × ROWS such values, stored as bytes
(64 bytes with the defaults).

A band key hashes a band's ROWS values with the band's number into a signed 32-bit integer: two appeals share a
bucket of a band when the band's values all agree (a false agreement of 32-bit keys is one in four billion).
Everything is deterministic: the same text gives the same signature in every process, on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .conf import similar_setting

DTYPE = np.dtype("<u2")  # a signature's values, little-endian on disk whatever the machine
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """A strong 64-bit mix (the finaliser of SplitMix64), elementwise; wraps around as intended."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _seeds(count: int) -> np.ndarray:
    return splitmix64(np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x632BE59BD9B4E019))


def size() -> int:
    return similar_setting("BANDS") * similar_setting("ROWS")


def shingle_ids(shingles) -> np.ndarray:
    """Bigrams → their exact 42-bit integers, mixed."""
    if not shingles:
        return np.zeros(0, np.uint64)
    ids = np.fromiter(((ord(s[0]) << 21) | ord(s[1]) for s in shingles), np.uint64, len(shingles))
    return splitmix64(ids)


def signature(shingles) -> bytes:
    """The signature of one shingle set; b"" for an empty one (an empty text is similar to nothing)."""
    return signatures([shingles])[0]


def signatures(sets: Sequence) -> list[bytes]:
    """Signatures of many shingle sets at once (a rebuild): one (min-hashes × shingles) matrix per batch."""
    out = [b""] * len(sets)
    filled = [i for i, s in enumerate(sets) if s]
    if not filled:
        return out
    lengths = np.array([len(sets[i]) for i in filled])
    ids = np.concatenate([shingle_ids(sets[i]) for i in filled])
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    seeds = _seeds(size())
    minima = np.minimum.reduceat(splitmix64(ids[None, :] ^ seeds[:, None]), offsets, axis=1)  # (hashes, docs)
    values = (minima.T & np.uint64(0xFFFF)).astype(DTYPE)
    for row, i in enumerate(filled):
        out[i] = values[row].tobytes()
    return out


def as_array(signature_bytes: bytes) -> np.ndarray:
    return np.frombuffer(signature_bytes, DTYPE)


def matrix(blobs: Sequence[bytes]) -> np.ndarray:
    """Many stored signatures as one (n, BANDS × ROWS) array (each must be non-empty and of the current size)."""
    if not blobs:
        return np.zeros((0, size()), DTYPE)
    return np.frombuffer(b"".join(blobs), DTYPE).reshape(len(blobs), -1)


def band_keys(values: np.ndarray) -> np.ndarray:
    """(n, BANDS × ROWS) signature values → (n, BANDS) signed 32-bit band keys."""
    bands, rows = similar_setting("BANDS"), similar_setting("ROWS")
    values = values.reshape(len(values), bands, rows).astype(np.uint64)
    acc = np.broadcast_to(splitmix64(np.arange(bands, dtype=np.uint64)), values.shape[:2]).copy()
    for r in range(rows):
        acc = splitmix64(acc ^ values[:, :, r])
    return (acc >> np.uint64(32)).astype(np.uint32).view(np.int32)


def keys_of(signature_bytes: bytes) -> list[int]:
    """One signature's band keys, as Python ints (none for an empty signature)."""
    if not signature_bytes:
        return []
    return [int(k) for k in band_keys(as_array(signature_bytes)[None, :])[0]]


def agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row by row, the share of positions where two signature matrices agree: estimated Jaccard similarity."""
    return (a == b).mean(axis=1)
