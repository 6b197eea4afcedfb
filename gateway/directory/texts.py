"""Folded text of a pool's columns (usernames, ``search_text``, each attribute's distinct values) as UTF-8 in
fixed-width byte arrays, searched with numpy's string functions, which run in C and release the GIL: a substring of
UTF-8 text is a substring of its bytes, and bytes order as code points do (the order of the SQL's bytewise collations).

A long column is not scanned whole when it need not be:

- CONTAINS (and ``text``) first narrows the texts down by their sketches: 128 bits per text, one set for each pair of
  adjacent bytes (hashed). A text that holds the needle holds its pairs, so only the texts whose sketch has all of the
  needle's bits are scanned: a few percent of them for a needle of a few letters. 16 bytes a text.
- STARTS_WITH and ENDS_WITH look the needle up in the texts sorted by their bytes (or by their bytes reversed): a
  binary search gives the range of those that start (end) with it. The order is made once; texts set since, and those
  added past it, are tested one by one until there are too many of them, and it is made again.

Both are made when a long column is first searched that way, and kept in step with its writes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Folded text longer than this many UTF-8 bytes is kept apart and searched in Python, so that one long value cannot
# widen a whole column (a custom attribute holds up to 2,048 characters).
TEXT_WIDTH_LIMIT = 256
# Texts per part of a scan that is cut in parts run on every core.
PARALLEL_SCAN_TEXTS = 20_000
# Columns of at least this many texts are searched through their sketches and sorted affixes.
INDEXED_TEXTS = 10_000
SKETCH_WORDS = 2  # a sketch is 128 bits: 16 bytes a text
# A sorted order is made again when more texts than this (or this share of it) were set or added since it was made.
STALE_AFFIXES = 2000
STALE_AFFIXES_SHARE = 1 / 32


def grown(array: np.ndarray, capacity: int, fill: Any = 0) -> np.ndarray:
    """``array`` copied into a longer one, the new places set to ``fill``."""
    longer = np.full(capacity, fill, dtype=array.dtype)
    longer[: len(array)] = array
    return longer


@dataclass
class _Affixes:
    """The texts at positions below ``count``, sorted by their bytes (``starts``) or their bytes reversed (``ends``):
    ``keys`` in order, and the position of each. ``changed``: positions below ``count`` set since."""

    keys: np.ndarray
    positions: np.ndarray
    count: int
    changed: set[int] = field(default_factory=set)

    def stale(self, size: int) -> bool:
        behind = len(self.changed) + max(0, size - self.count)
        return behind > max(STALE_AFFIXES, self.count * STALE_AFFIXES_SHARE)


class Texts:
    """Strings by position, as UTF-8 in a fixed-width byte array (grown as needed), with the rare ones over ``limit``
    bytes (or holding NUL, which the array cannot end with) kept in a dict."""

    def __init__(self, capacity: int, width: int = 8, limit: int = TEXT_WIDTH_LIMIT) -> None:
        self.array = np.zeros(capacity, dtype=f"S{max(width, 1)}")
        self.long: dict[int, str] = {}
        self.limit = limit
        self.sketches: np.ndarray | None = None  # (SKETCH_WORDS, capacity) uint64, made by the first long CONTAINS
        self._affixes: dict[str, _Affixes] = {}  # by how: made by the first long STARTS_WITH, ENDS_WITH

    @classmethod
    def of(cls, texts: Sequence[str], capacity: int) -> Texts:
        encoded = [text.encode() for text in texts]
        made = cls(capacity, max((len(data) for data in encoded if len(data) <= TEXT_WIDTH_LIMIT), default=1))
        for position, (text, data) in enumerate(zip(texts, encoded, strict=True)):
            if made._fits(data):
                made.array[position] = data
            else:
                made.long[position] = text
        return made

    def _fits(self, data: bytes) -> bool:
        return len(data) <= self.limit and b"\0" not in data

    def grow(self, capacity: int) -> None:
        self.array = grown(self.array, capacity, b"")
        if self.sketches is not None:
            longer = np.zeros((SKETCH_WORDS, capacity), dtype=np.uint64)
            longer[:, : self.sketches.shape[1]] = self.sketches
            self.sketches = longer

    def set(self, position: int, text: str) -> None:
        data = text.encode()
        if not self._fits(data):
            self.array[position] = b""
            self.long[position] = text
        else:
            self.long.pop(position, None)
            if len(data) > self.array.dtype.itemsize:
                self.array = self.array.astype(f"S{len(data)}")
            self.array[position] = data
        if self.sketches is not None:
            self.sketches[:, position] = self._sketch(position, position + 1)[:, 0]
        for affixes in self._affixes.values():
            if position < affixes.count:
                affixes.changed.add(position)

    def text(self, position: int) -> str:
        return self.long[position] if position in self.long else self.array[position].decode()

    def match(self, size: int, needle: str, how: str) -> np.ndarray:
        """Where the first ``size`` texts start with, end with or contain ``needle`` (``how``)."""
        data = needle.encode()
        indexed = size >= INDEXED_TEXTS and bool(data)
        if indexed and how in ("starts", "ends"):
            found = self._affix_match(size, data, how)
        else:
            candidates = self._candidates(np.arange(size), [data]) if indexed else None
            if candidates is None:
                found = _bytes_match(self.array[:size], data, how)
            else:
                found = np.zeros(size, dtype=bool)
                found[candidates] = _bytes_match(self.array[candidates], data, how)
        for position, text in self.long.items():
            if position < size:
                found[position] = _TEXT_TESTS[how](text, needle)
        return found

    def contains_all(self, size: int, needles: Sequence[str], within: np.ndarray) -> np.ndarray:
        """Where the first ``size`` texts marked in ``within`` contain every one of ``needles``: the sketches keep
        the texts that have all of the needles' bits, then each needle, the longest first, is looked for in those
        still kept."""
        datas = sorted({needle.encode() for needle in needles}, key=len, reverse=True)
        positions = np.flatnonzero(within[:size])
        if size >= INDEXED_TEXTS:
            kept = self._candidates(positions, datas)
            positions = positions if kept is None else positions[kept]
        for data in datas:
            if len(positions) > size // 2:  # most of them: a scan of the slice, not a gather
                positions = positions[_bytes_match(self.array[:size], data, "contains")[positions]]
            elif len(positions):
                positions = positions[_bytes_match(self.array[positions], data, "contains")]
        found = np.zeros(size, dtype=bool)
        found[positions] = True
        for position, text in self.long.items():
            if position < size:
                found[position] = bool(within[position]) and all(needle in text for needle in needles)
        return found

    # Sketches (CONTAINS).

    def _sketch(self, start: int, stop: int) -> np.ndarray:
        """The sketches of the texts at ``start:stop``; every bit set for the texts kept apart (always scanned)."""
        made = sketches(self.array[start:stop])
        for position in self.long:
            if start <= position < stop:
                made[:, position - start] = ALL_BITS
        return made

    def _candidates(self, positions: np.ndarray, needles: Sequence[bytes]) -> np.ndarray | None:
        """The indexes into ``positions`` of the texts whose sketch has every needle's bits, or None to scan them
        all (needles of one byte, or bits that most texts have)."""
        if all(len(needle) < 2 for needle in needles):
            return None
        if self.sketches is None:
            self.sketches = np.zeros((SKETCH_WORDS, len(self.array)), dtype=np.uint64)
            for start in range(0, len(self.array), SKETCH_PART):
                stop = min(start + SKETCH_PART, len(self.array))
                self.sketches[:, start:stop] = self._sketch(start, stop)
        whole = len(positions) and positions[-1] == len(positions) - 1  # 0..size-1: slice, not gather
        kept: np.ndarray | None = None
        wanted = np.bitwise_or.reduce(sketches(np.array(list(needles))), axis=1)
        for word, bits in zip(self.sketches, wanted.tolist(), strict=True):
            if bits:
                values = word[: len(positions)] if whole else word[positions]
                has = (values & np.uint64(bits)) == np.uint64(bits)
                kept = has if kept is None else kept & has
        if kept is None:
            return None
        candidates = np.flatnonzero(kept)
        return None if len(candidates) > len(positions) // 4 else candidates  # gathering most costs more than a scan

    # Sorted affixes (STARTS_WITH, ENDS_WITH).

    def _affix_match(self, size: int, needle: bytes, how: str) -> np.ndarray:
        affixes = self._affixes.get(how)
        if affixes is None or affixes.stale(size):
            affixes = self._affixes[how] = self._sorted(size, how)
        key = needle[::-1] if how == "ends" else needle
        low = np.searchsorted(affixes.keys, np.bytes_(key), "left")
        above = _past_prefix(key)
        high = len(affixes.keys) if above is None else np.searchsorted(affixes.keys, np.bytes_(above), "left")
        found = np.zeros(size, dtype=bool)
        hits = affixes.positions[low:high]
        found[hits[hits < size]] = True
        since = [position for position in affixes.changed if position < size]
        if since:
            at = np.array(since)
            found[at] = _bytes_match(self.array[at], needle, how)
        if size > affixes.count:
            found[affixes.count : size] = _bytes_match(self.array[affixes.count : size], needle, how)
        return found

    def _sorted(self, size: int, how: str) -> _Affixes:
        keys = self.array[:size] if how == "starts" else _reversed(self.array[:size])
        positions = np.argsort(keys, kind="stable").astype(np.int32)
        return _Affixes(keys[positions], positions, size)


def _past_prefix(key: bytes) -> bytes | None:
    """The least byte string after every one that starts with ``key`` (None: there is none)."""
    stripped = key.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def _reversed(array: np.ndarray) -> np.ndarray:
    """Each text of a fixed-width byte array with its bytes in reverse order (still padded at the end)."""
    count, width = len(array), array.dtype.itemsize
    data = np.ascontiguousarray(array).view(np.uint8).reshape(count, width)
    out = np.zeros((count, width), dtype=np.uint8)
    for start in range(0, count, SKETCH_PART):
        part = data[start : start + SKETCH_PART]
        lengths = np.count_nonzero(part, axis=1)  # a text in the array holds no NUL: its length
        index = lengths[:, None] - 1 - np.arange(width)[None, :]
        picked = np.take_along_axis(part, np.maximum(index, 0), axis=1)
        out[start : start + SKETCH_PART] = np.where(index >= 0, picked, 0)
    return out.view(f"S{width}").ravel()


SKETCH_PART = 4096  # texts sketched at a time (a part's bits take 128 bytes a text while they are made)
ALL_BITS = np.iinfo(np.uint64).max
# Where each pair of adjacent bytes sets its bit: fixed, so that a text's sketch and a needle's agree.
_PAIR_BIT = np.random.default_rng(14).integers(0, 64 * SKETCH_WORDS, 1 << 16).astype(np.uint8)


def sketches(array: np.ndarray) -> np.ndarray:
    """The sketch of each text of a fixed-width byte array: (SKETCH_WORDS, len(array)) uint64. NUL bytes are the
    padding, and pairs that hold one set no bit."""
    count, width = len(array), array.dtype.itemsize
    bits = np.zeros((count, 64 * SKETCH_WORDS), dtype=bool)
    if width > 1 and count:
        data = np.ascontiguousarray(array).view(np.uint8).reshape(count, width)
        pairs = (data[:, :-1].astype(np.uint16) << 8) | data[:, 1:]
        real = (data[:, :-1] != 0) & (data[:, 1:] != 0)
        rows = np.broadcast_to(np.arange(count)[:, None], pairs.shape)
        bits[rows[real], _PAIR_BIT[pairs[real]]] = True
    packed = np.packbits(bits, axis=1, bitorder="little").view(np.uint64)  # (count, SKETCH_WORDS)
    return np.ascontiguousarray(packed.T)


_TEXT_TESTS: dict[str, Callable[[str, str], bool]] = {
    "starts": str.startswith,
    "ends": str.endswith,
    "contains": lambda text, needle: needle in text,
}


def _bytes_match(array: np.ndarray, needle: bytes, how: str) -> np.ndarray:
    """Whether each text starts with, ends with or contains ``needle``. numpy's string functions release the GIL:
    a long column is cut in parts scanned on every core."""
    parts = min(_CORES, len(array) // PARALLEL_SCAN_TEXTS)
    if parts < 2:
        return _scan(array, needle, how)
    cuts = np.array_split(array, parts)
    return np.concatenate(list(_scanners().map(_scan, cuts, [needle] * parts, [how] * parts)))


def _scan(array: np.ndarray, needle: bytes, how: str) -> np.ndarray:
    if how == "starts":
        return np.strings.startswith(array, needle)
    if how == "ends":
        return np.strings.endswith(array, needle)
    return np.strings.find(array, needle) >= 0


_CORES = min(os.cpu_count() or 1, 4)


@functools.cache
def _scanners() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_CORES, thread_name_prefix="column-scan")
