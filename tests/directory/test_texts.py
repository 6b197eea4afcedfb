"""Folded text columns (``directory.texts``): a scan cut in parts, narrowed by sketches, or looked up in sorted affixes
finds what a plain scan finds, also after texts are set, added and moved out of the array."""

from __future__ import annotations

import random

import numpy as np
import pytest

from gateway.directory import texts as texts_module


@pytest.mark.parametrize("how", ["starts", "ends", "contains"])
def test_a_long_column_is_scanned_in_parts_with_the_same_answer(how):
    texts = [f"user{n:05}@{'example' if n % 3 else 'test'}.org" + ("é" * (n % 5)) for n in range(45_000)]
    texts[7] = "x" * (texts_module.TEXT_WIDTH_LIMIT + 10) + "@test.org"  # too long for the array: kept apart
    column = texts_module.Texts.of(texts, len(texts))
    needle = {"starts": "user001", "ends": "test.org", "contains": "9@ex"}[how]
    expected = [texts_module._TEXT_TESTS[how](text, needle) for text in texts]
    assert column.match(len(texts), needle, how).tolist() == expected and sum(expected) > 10


NEEDLES = ["abc", "é.", "j@1", "a", "ab", "xxxabc", "zz", "bcd efg", "hij", "", "é", "1"]


def _answers(column: texts_module.Texts, texts: list[str], needle: str, how: str) -> None:
    expected = [texts_module._TEXT_TESTS[how](text, needle) for text in texts]
    assert column.match(len(texts), needle, how).tolist() == expected, (needle, how)
    if how == "contains" and needle:
        within = np.arange(len(texts)) % 3 > 0
        for needles in ([needle], [needle, "a"], [needle, "é."], [needle, needle + "j", "zz"]):
            expected = [bool(w) and all(n in text for n in needles) for w, text in zip(within, texts, strict=True)]
            assert column.contains_all(len(texts), needles, within).tolist() == expected, needles
            everyone = np.ones(len(texts), dtype=bool)
            expected = [all(n in text for n in needles) for text in texts]
            assert column.contains_all(len(texts), needles, everyone).tolist() == expected, needles


def test_a_long_column_searched_through_sketches_and_sorted_affixes_finds_what_a_scan_finds(monkeypatch):
    monkeypatch.setattr(texts_module, "STALE_AFFIXES", 50)
    monkeypatch.setattr(texts_module, "STALE_AFFIXES_SHARE", 0)
    rng = random.Random(14)
    alphabet = "abcdeéfghij.@ 1"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(12_000)]
    texts[5] = "x" * (texts_module.TEXT_WIDTH_LIMIT + 10) + "abc"  # kept apart: always a candidate
    column = texts_module.Texts.of(texts, len(texts) + 100)
    for how in ("starts", "ends", "contains"):
        for needle in NEEDLES:
            _answers(column, texts, needle, how)
    assert column.sketches is not None and set(column._affixes) == {"starts", "ends"}
    ordered = column._affixes["ends"]
    # Set, added and moved out of the array after the sketches and orders were made: they follow, the orders
    # looked up with the texts set since tested one by one, until there are too many and they are made again.
    for position in rng.sample(range(len(texts)), 40):
        texts[position] = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20))) + "abc"
        column.set(position, texts[position])
    texts.append("new abc")
    column.set(len(texts) - 1, texts[-1])
    texts[8] = "é" * 300  # now too long for the array
    column.set(8, texts[8])
    for how in ("starts", "ends", "contains"):
        for needle in NEEDLES:
            _answers(column, texts, needle, how)
    assert column._affixes["ends"] is ordered  # still the same order, 42 texts behind it
    column.grow(len(texts) + 200)
    for n in range(60):
        texts.append(f"grown {n} abc")
        column.set(len(texts) - 1, texts[-1])
    for how in ("starts", "ends"):
        for needle in NEEDLES:
            _answers(column, texts, needle, how)
    assert column._affixes["ends"] is not ordered  # made again
