"""Every outcome comes up at its expected rate: chi-square over many fixed randomness values.

The randomness values are fixed (the witness values 100000, 100001, …), so these tests are
deterministic: they do not depend on luck, only on the algorithm. The critical values are those
of the chi-square distribution at p = 0.001.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

from zhiku import verify

CODE = verify.hash_times(b"zhiku uniformity test", 9)
CRITICAL_001 = {4: 18.467, 14: 36.123, 19: 43.820, 27: 55.476}


def randomness(i: int) -> bytes:
    return verify.encode_source("witness", str(100_000 + i)).encode()


def labels(n: int, prefix: str = "GDQ-2026-") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(1, n + 1)]


def chi_square(
    counts: Counter[tuple[str, ...]], outcomes: Iterable[tuple[str, ...]], trials: int
) -> float:
    outcomes = list(outcomes)
    expected = trials / len(outcomes)
    return sum((counts[o] - expected) ** 2 / expected for o in outcomes)


def draw(
    pool: Sequence[str], stratum_of: dict[str, str], wanted: dict[str, int], i: int
) -> list[str]:
    ranked = verify.positions(CODE, randomness(i), pool)
    return [label for _p, label in verify.select(ranked, stratum_of, wanted)]


def test_each_of_the_fifteen_pairs_of_six_comes_up_at_the_expected_rate() -> None:
    pool = labels(6)
    stratum_of = dict.fromkeys(pool, "all")
    trials = 15 * 200
    counts: Counter[tuple[str, ...]] = Counter(
        tuple(sorted(draw(pool, stratum_of, {"all": 2}, i))) for i in range(trials)
    )
    pairs = list(itertools.combinations(pool, 2))

    assert set(counts) == set(pairs)
    assert chi_square(counts, pairs, trials) < CRITICAL_001[14]


def test_each_expert_of_twenty_is_drawn_alone_at_the_expected_rate() -> None:
    pool = labels(20)
    stratum_of = dict.fromkeys(pool, "all")
    trials = 20 * 200
    counts: Counter[tuple[str, ...]] = Counter(
        tuple(draw(pool, stratum_of, {"all": 1}, i)) for i in range(trials)
    )

    assert chi_square(counts, [(label,) for label in pool], trials) < CRITICAL_001[19]


def test_strata_are_each_uniform() -> None:
    universities = labels(5, "GDQ-2025-")
    enterprises = labels(8, "GDQ-2026-")
    pool = universities + enterprises
    stratum_of = {
        **dict.fromkeys(universities, "university"),
        **dict.fromkeys(enterprises, "enterprise"),
    }
    trials = 28 * 100
    by_university: Counter[tuple[str, ...]] = Counter()
    by_enterprise: Counter[tuple[str, ...]] = Counter()
    for i in range(trials):
        taken = draw(pool, stratum_of, {"university": 1, "enterprise": 2}, i)
        by_university[tuple(t for t in taken if stratum_of[t] == "university")] += 1
        by_enterprise[tuple(sorted(t for t in taken if stratum_of[t] == "enterprise"))] += 1

    assert sum(by_university.values()) == trials  # exactly one and two, every time
    assert all(len(k) == 2 for k in by_enterprise)
    singles = [(label,) for label in universities]
    pairs = list(itertools.combinations(enterprises, 2))
    assert chi_square(by_university, singles, trials) < CRITICAL_001[4]
    assert chi_square(by_enterprise, pairs, trials) < CRITICAL_001[27]


def test_a_top_up_round_is_uniform_over_those_not_yet_drawn() -> None:
    """Round 2 uses the next one-time code; over the labels never drawn it is again uniform."""
    pool = labels(8)
    stratum_of = dict.fromkeys(pool, "all")
    code2 = verify.hash_times(b"zhiku uniformity test", 8)
    trials = 5 * 300
    counts: Counter[tuple[str, ...]] = Counter()
    for i in range(trials):
        first = draw(pool, stratum_of, {"all": 3}, i)
        ranked = verify.positions(code2, randomness(i), pool)
        (second,) = [
            label for _p, label in verify.select(ranked, stratum_of, {"all": 1}, skip=first)
        ]
        assert second not in first
        # Which of the five remaining labels (by their order in the pool) was taken.
        remaining = [label for label in pool if label not in first]
        counts[(str(remaining.index(second)),)] += 1

    assert chi_square(counts, [(str(k),) for k in range(5)], trials) < CRITICAL_001[4]
