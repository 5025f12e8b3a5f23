"""Who copied: pairs of learners whose solution code for one exercise is too alike. It flags; it never scores.

The learner's code is reduced to its solution region first: the code cells of the notebook, less every line the
stub itself holds (the stub's scaffolding, imports, demo cells). What is left is fingerprinted with winnowing
(`copydetect <https://github.com/blingenf/copydetect>`_, MIT, the algorithm of MOSS: identifiers and strings
normalised by its Pygments filter, k-grams hashed, a minimum hash kept per window), and every fingerprint that
also occurs in the stub or in the reference solution is discarded as boilerplate: learners who all wrote the same
correct short function match the reference, not each other, so only code they share *beyond* the reference
counts. Fingerprints found in the code of many learners (``COMMON_LEARNERS``, or a fifth of the class) are
discounted too, as MOSS's ``-m`` does: code that common was handed round (an older reference, a tutorial), and
flagging every pair would hide the real copies.
A pair is reported when both learners have enough code left (``MIN_TOKENS`` tokens), at least
``threshold`` of one learner's remaining tokens are matched in the other's, and they share at least
``MIN_MATCHED`` normalised characters. Measured on day93's planted samples (tests/samples.py, written by one author
from one template, so alike beyond the reference): the most alike honest pair shares 0.93-0.96 of its remaining code
but 209-274 characters; two learners with the same own-style notebook share 1.0 and 1016 characters.
"""
from __future__ import annotations

import difflib
import io
import itertools
import json
import math
from collections import Counter
from dataclasses import dataclass

from grader import exercise as exercises

K = 12                  # k-gram length, in filtered characters (copydetect's default is 25; our functions are short)
WINDOW = 4              # winnowing window
MIN_TOKENS = 40         # filtered characters a learner must have left after the boilerplate is removed
MIN_MATCHED = 300       # normalised characters the two must share: one short function alike proves nothing
THRESHOLD = 0.6         # share of one learner's remaining tokens found in the other's
COMMON_LEARNERS = 4     # a fingerprint in this many learners' code (or 20% of them, if more) is common, not copied


@dataclass(frozen=True)
class Pair:
    """Two learners' solution code for one exercise, alike beyond the stub and the reference solution."""

    exercise: str
    first: str
    second: str
    similarity: float                          # the larger of the two shares, 0..1
    lines: tuple[tuple[str, str], ...]         # matching lines side by side (first's, second's)


def code_cells(data: bytes) -> list[str]:
    """The sources of a notebook's code cells ([] for anything that is not a notebook)."""
    try:
        cells = json.loads(data.decode("utf-8", errors="replace")).get("cells", [])
        return ["".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    except (ValueError, AttributeError, TypeError, KeyError):
        return []


def _read(path) -> list[str]:
    try:
        return code_cells(path.read_bytes())
    except OSError:
        return []


def solution_region(data: bytes, stub_lines: set[str]) -> str:
    """The learner's own code: code-cell lines that are not (stripped) lines of the stub, blank lines dropped."""
    kept = [line for cell in code_cells(data) for line in cell.splitlines()
            if line.strip() and line.strip() not in stub_lines]
    return "\n".join(kept) + "\n" if kept else ""


def _fingerprint(code: str, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint("solution.py", K, WINDOW, boilerplate=boilerplate, fp=io.StringIO(code))


def _boilerplate(exercise_id: str):
    """Every k-gram hash of the stub's and the reference solution's code (filtered the way learners' code is)."""
    import numpy as np
    from copydetect.utils import filter_code, hashed_kgrams

    exercise = exercises.get(exercise_id)
    reference = solution_region(exercise.solution.read_bytes(), _stub_lines(exercise_id))
    hashes = []
    for code in ("\n".join(_read(exercise.stub) + _read(exercise.solution)), reference):
        filtered, _ = filter_code(code, "solution.py")
        hashes.append(hashed_kgrams(filtered, K))
    return np.unique(np.concatenate(hashes))


def _stub_lines(exercise_id: str) -> set[str]:
    return {line.strip() for cell in _read(exercises.get(exercise_id).stub) for line in cell.splitlines()}


def side_by_side(first: str, second: str, limit: int = 40) -> tuple[tuple[str, str], ...]:
    """Lines of the two solution regions that match (whitespace aside), paired in order."""
    a, b = first.splitlines(), second.splitlines()
    matcher = difflib.SequenceMatcher(None, [x.strip() for x in a], [x.strip() for x in b], autojunk=False)
    pairs = [(a[block.a + i], b[block.b + i]) for block in matcher.get_matching_blocks() for i in range(block.size)]
    return tuple(pairs[:limit])


def compare(exercise_id: str, regions: dict[str, str], *, threshold: float = THRESHOLD) -> list[Pair]:
    """Pairs of learners (``regions``: learner -> solution region) at or above ``threshold``, most alike first."""
    from copydetect import compare_files

    prints = _prints(exercise_id, regions)
    prints = {learner: fp for learner, fp in prints.items() if fp.token_coverage >= MIN_TOKENS}
    found = []
    for first, second in itertools.combinations(sorted(prints), 2):
        _, shares, slices = compare_files(prints[first], prints[second])
        similarity = float(max(shares))
        if similarity >= threshold and _matched(slices) >= MIN_MATCHED:
            found.append(Pair(exercise_id, first, second, round(similarity, 3),
                              side_by_side(regions[first], regions[second])))
    return sorted(found, key=lambda p: (-p.similarity, p.first, p.second))


def _prints(exercise_id: str, regions: dict[str, str]) -> dict:
    """Fingerprints less the boilerplate: the stub's, the reference solution's, and code common to the class
    (MOSS's ``-m``: in at least ``COMMON_LEARNERS`` learners' code, e.g. an older reference solution handed round)."""
    import numpy as np

    boilerplate = _boilerplate(exercise_id)
    prints = {learner: _fingerprint(code, boilerplate) for learner, code in regions.items() if code}
    counts = Counter(h for fp in prints.values() for h in fp.hashes)
    common = [h for h, n in counts.items() if n >= max(COMMON_LEARNERS, math.ceil(0.2 * len(prints)))]
    if not common:
        return prints
    boilerplate = np.unique(np.concatenate([boilerplate, np.array(common, dtype=boilerplate.dtype)]))
    return {learner: _fingerprint(code, boilerplate) for learner, code in regions.items() if code}


def _matched(slices) -> int:
    """Tokens the two share, counted on the side that shares fewer."""
    return int(min((s[1] - s[0]).sum() if len(s) and len(s[0]) else 0 for s in slices))


def scores(exercise_id: str, regions: dict[str, str]) -> dict[tuple[str, str], tuple[float, int]]:
    """Every pair's (similarity, tokens shared) ((0, 0) where one has too little code left): to measure thresholds."""
    from copydetect import compare_files

    prints = _prints(exercise_id, regions)
    out = {}
    for first, second in itertools.combinations(sorted(regions), 2):
        a, b = prints.get(first), prints.get(second)
        enough = a is not None and b is not None and min(a.token_coverage, b.token_coverage) >= MIN_TOKENS
        if enough:
            _, shares, slices = compare_files(a, b)
            out[(first, second)] = (round(float(max(shares)), 3), _matched(slices))
        else:
            out[(first, second)] = (0.0, 0)
    return out


def report(notebooks: dict[str, dict[str, bytes]], *, threshold: float = THRESHOLD) -> list[Pair]:
    """``notebooks``: learner -> {exercise id: notebook bytes}; the flagged pairs of every exercise."""
    by_exercise: dict[str, dict[str, str]] = {}
    for learner, files in notebooks.items():
        for exercise_id, data in files.items():
            by_exercise.setdefault(exercise_id, {})[learner] = data
    pairs = []
    for exercise_id in sorted(by_exercise):
        if exercise_id not in exercises.EXERCISES:
            continue
        stub = _stub_lines(exercise_id)
        regions = {learner: solution_region(data, stub) for learner, data in by_exercise[exercise_id].items()}
        pairs += compare(exercise_id, regions, threshold=threshold)
    return pairs
