"""Fair rotation (off by default): weights from each expert's deficit, clipped so no chance is more
than 16 times another's, applied by Efraimidis–Spirakis keys; frozen with the labels and checked
by zhiku.verify. A simulation of 500 draws over 300 experts shows a lower Gini coefficient of
participation with it than without, every record verifying."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from zhiku import verify
from zhiku.activities import rotation, services
from zhiku.activities.record import draw_record
from zhiku.activities.tests.factories import (
    accept,
    decline,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.models import ParameterChange
from zhiku.experts.tests.factories import make_expert

CHECKER = Path(__file__).resolve().parents[3] / "zhiku" / "verify.py"

# --- the pure parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 1, 1, 1], 0.0), ([0, 0, 0, 4], 0.75), ([1, 2, 3, 4], 0.25), ([], 0.0), ([0, 0], 0.0)],
)
def test_the_gini_coefficient(values: list[int], expected: float) -> None:
    assert rotation.gini(values) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("deficit", "n"),
    [(0.0, 256), (1.0, 512), (-1.0, 128), (2.0, 1024), (7.5, 1024), (-2.0, 64), (-30.0, 64)],
)
def test_a_deficit_becomes_a_weight_clipped_to_a_sixteenfold_range(deficit: float, n: int) -> None:
    assert rotation.weight_numerator(deficit) == n
    assert verify.WEIGHT_MAX / verify.WEIGHT_MIN == 16


def test_the_fair_share_counts_each_draw_the_expert_was_eligible_for() -> None:
    history = rotation.History()
    history.add_draw([(2, ["A", "B", "C", "D"])], confirmed=["A", "B"])
    history.add_draw([(1, ["A", "B"]), (1, ["E"])], confirmed=["A", "E"])

    assert history.share == {"A": 1.0, "B": 1.0, "C": 0.5, "D": 0.5, "E": 1.0}
    assert history.served == {"A": 2, "B": 1, "E": 1}
    assert (history.deficit("A"), history.deficit("C"), history.deficit("F")) == (-1.0, 0.5, 0.0)
    assert rotation.weights_for(["A", "C", "F"], history) == {"A": 128, "C": 362, "F": 256}


def test_equal_weights_walk_the_positions_from_the_highest() -> None:
    ranked = verify.positions(bytes(32), b"1./", [f"L{i}" for i in range(20)])

    ordered = verify.weighted_order(ranked, dict.fromkeys((label for _p, label in ranked), 256))

    # -ln(u) falls as u rises: with equal weights the largest position has the smallest key.
    assert ordered == list(reversed(ranked))


def test_keys_follow_the_stated_floating_point_rule() -> None:
    position = bytes.fromhex("117c3b658e65b942aa8ca6c546022276bc3025fb2442c9488dfa1acddf706a26")
    m = verify.position_numerator(position)

    assert m == 2 * int("117c3b658e65b", 16) + 1
    assert verify.es_key(position, 512) == -math.log(math.ldexp(m, -53)) / 2.0


def test_near_ties_are_settled_exactly_and_exact_ties_by_position() -> None:
    # u_a = u_b ** 2 nearly, so -ln(u_a)/2 and -ln(u_b)/1 differ in the last bits only.
    mb = 2 * 0x3_0000_0000_0001 + 1
    ma = (mb * mb) >> 53 | 1
    a = ((ma >> 1) << 4).to_bytes(7, "big") + bytes(25)
    b = ((mb >> 1) << 4).to_bytes(7, "big") + bytes(25)
    assert verify.position_numerator(a) == ma and verify.position_numerator(b) == mb
    exact_a_first = ma**256 * 2 ** (53 * 512) > mb**512 * 2 ** (53 * 256)

    ordered = verify.weighted_order([(a, "a"), (b, "b")], {"a": 512, "b": 256})

    assert [label for _p, label in ordered] == (["a", "b"] if exact_a_first else ["b", "a"])
    # The same number twice (same first 52 bits, same weight): the lower position first.
    c = a[:7] + b"\xff" * 25
    ordered = verify.weighted_order([(c, "c"), (a, "a")], {"a": 300, "c": 300})
    assert [label for _p, label in ordered] == ["a", "c"]


# --- the simulation: 500 draws over 300 experts --------------------------------------------------

EXPERTS = 300
DRAWS = 500


def _record(
    k: int,
    eligible: list[str],
    places: int,
    secret: bytes,
    witness: str,
    weights: dict[str, int] | None,
    accepts: Any,
) -> tuple[dict[str, Any], list[str]]:
    """Draw one simulated draw round by round (top-ups until filled or exhausted), exactly as
    the app does, and write its record."""
    n = 100
    randomness = verify.encode_source("witness", witness)
    stratum_of = dict.fromkeys(eligible, "all")
    drawn: list[str] = []
    outcome: dict[str, str] = {}
    rounds = []
    for number in range(1, n):
        confirmed = [label for label in drawn if outcome[label] == "confirmed"]
        wanted = {"all": max(0, places - len(confirmed))}
        if number > 1 and (not wanted["all"] or len(drawn) == len(eligible)):
            break
        code = verify.hash_times(secret, n - number)
        ranked = verify.positions(code, randomness.encode(), eligible)
        if weights is not None:
            ranked = verify.weighted_order(ranked, weights)
        taken = verify.select(ranked, stratum_of, wanted, skip=drawn)
        rounds.append(
            {
                "round": number,
                "one_time_code": code.hex(),
                "confirmed": confirmed,
                "left": [
                    {"label": label, "outcome": "declined", "reason": "时间冲突"}
                    for label in drawn
                    if outcome[label] != "confirmed"
                ],
                "disqualified": [],
                "shortfall": wanted,
                "candidates": [
                    {"label": label, "stratum": "all", "position": p.hex()} for p, label in taken
                ],
                "unfilled": {"all": wanted["all"] - len(taken)},
            }
        )
        for _p, label in taken:
            drawn.append(label)
            outcome[label] = "confirmed" if accepts(label) else "declined"
    strata = [{"key": "all", "name": "全部", "places": places, "labels": eligible}]
    record: dict[str, Any] = {
        "format": verify.FORMAT_WEIGHTED if weights is not None else verify.FORMAT,
        "algorithm": verify.ALGORITHM,
        "draw": f"SIM-{k:04d}",
        "strata": strata,
        "places": places,
        "label_count": len(eligible),
        "labels_hash": verify.labels_hash(strata),
        "one_time_code": {
            "hash": "SHA-256",
            "n": n,
            "commitment": verify.hash_times(secret, n).hex(),
            "secret": secret.hex(),
        },
        "randomness": {
            "sources": [{"kind": "witness", "value": witness, "encoded": randomness}],
            "encoded": randomness,
        },
        "rounds": rounds,
    }
    if weights is not None:
        record["weights"] = {
            "rule": verify.WEIGHT_RULE,
            "denominator": verify.WEIGHT_DENOMINATOR,
            "hash": verify.weights_hash(weights),
            "values": weights,
        }
    return record, [label for label in drawn if outcome[label] == "confirmed"]


def simulate(weighted: bool) -> tuple[float, list[dict[str, Any]]]:
    """500 draws of 3 to 7 places over 300 experts, each eligible for about four draws in five,
    each with their own willingness to accept. The same seeds either way."""
    labels = [f"GDQ-2026-{i:04d}" for i in range(1, EXPERTS + 1)]
    willing = random.Random("willing")
    acceptance = {label: willing.uniform(0.6, 1.0) for label in labels}
    history = rotation.History()
    served: Counter[str] = Counter()
    records = []
    for k in range(DRAWS):
        r = random.Random(f"draw-{k}")
        eligible = [label for label in labels if r.random() < 0.8]
        places = r.randint(3, 7)
        secret = hashlib.sha256(f"secret-{k}".encode()).digest()
        witness = str(r.randrange(10**7, 10**8))
        weights = rotation.weights_for(eligible, history) if weighted else None

        def accepts(label: str, k: int = k) -> bool:
            return random.Random(f"{k}-{label}").random() < acceptance[label]

        record, confirmed = _record(k, eligible, places, secret, witness, weights, accepts)
        records.append(record)
        history.add_draw([(places, eligible)], confirmed)
        served.update(confirmed)
    return rotation.gini([served[label] for label in labels]), records


def test_with_rotation_500_draws_over_300_experts_spread_more_evenly_and_all_verify() -> None:
    plain, plain_records = simulate(weighted=False)
    fair, fair_records = simulate(weighted=True)

    assert fair < plain
    assert fair < 0.8 * plain  # not by a hair: the weights pull everyone towards their share
    for record in plain_records + fair_records:
        assert verify.check(record) == ([], [])
    assert {r["format"] for r in fair_records} == {verify.FORMAT_WEIGHTED}


# --- a weighted draw through the app -------------------------------------------------------------

NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)


def _weighting_on() -> None:
    ParameterChange.objects.create(
        key="rotation_weighting",
        from_value=0,
        to_value=1,
        effective_on=dt.date(2026, 1, 1),
        at=NOW,
        reason="试行公平轮换",
    )


@pytest.mark.django_db
def test_a_weighted_draw_freezes_its_weights_and_its_record_verifies(
    time_machine: Any, catalogues: None, tmp_path: Path
) -> None:
    time_machine.move_to(NOW, tick=False)
    op, sv = operator(), supervisor()
    experts = [make_expert() for _ in range(8)]
    before = make_activity(
        op,
        title="上一次评估",
        experts_needed=3,
        start_date=dt.date(2026, 5, 20),
        end_date=dt.date(2026, 5, 20),
    )
    earlier = open_draw(op, before, sv, places=3)
    services.draw_witness(actor=sv, draw=earlier, value="11111111")
    first, *rest = earlier.candidates.order_by("rank")
    for c in rest:
        accept(c)
    decline(first)
    _weighting_on()

    draw = open_draw(op, make_activity(op, experts_needed=2), sv, places=2)

    served = {c.label for c in rest}
    assert draw.is_weighted and draw.weighting["draws"] == 1
    assert all(draw.weights[label] < 256 for label in served)  # served above their share
    assert draw.weights_hash == verify.weights_hash(draw.weights)
    assert [e.pool_number for e in experts]  # every expert has a label
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    draw.refresh_from_db()
    record = json.loads(json.dumps(draw_record(draw), ensure_ascii=False))
    assert record["format"] == "zhiku-draw-record/2"
    assert record["weights"]["values"] == draw.weights
    path = tmp_path / "weighted.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(CHECKER), str(path)], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, "OK\n")

    # A changed weight is named; with its hash made to match, the candidates no longer do.
    tampered = copy.deepcopy(record)
    label = next(iter(tampered["weights"]["values"]))
    tampered["weights"]["values"][label] = (
        1024 if tampered["weights"]["values"][label] < 1024 else 64
    )
    assert any(line.startswith("MISMATCH weights") for line in verify.check(tampered)[0])
    # The same record read as an unweighted one cannot pass either.
    unweighted = copy.deepcopy(record)
    unweighted["format"] = verify.FORMAT
    assert any(line.startswith("MISMATCH weights") for line in verify.check(unweighted)[0])
    excessive = copy.deepcopy(record)
    excessive["weights"]["values"][label] = 4096
    excessive["weights"]["hash"] = verify.weights_hash(excessive["weights"]["values"])
    assert any("权重之比不得超过 16" in line for line in verify.check(excessive)[0])


@pytest.mark.django_db
def test_off_by_default_the_draw_has_no_weights_and_format_1(
    time_machine: Any, catalogues: None
) -> None:
    time_machine.move_to(NOW, tick=False)
    op, sv = operator(), supervisor()
    for _ in range(3):
        make_expert()

    draw = open_draw(op, make_activity(op, experts_needed=1), sv, places=1)

    assert not draw.is_weighted
    assert draw_record(draw)["format"] == verify.FORMAT and "weights" not in draw_record(draw)


DOCS = Path(__file__).resolve().parents[3] / "docs" / "draws.md"


def test_the_known_answers_of_the_keys_in_the_docs_are_right() -> None:
    """docs/draws.md states the floating-point rule with a table of known answers."""
    docs = DOCS.read_text(encoding="utf-8")
    record = json.loads(docs.split("```json\n", 1)[1].split("```", 1)[0])
    positions = {
        c["label"]: bytes.fromhex(c["position"]) for r in record["rounds"] for c in r["candidates"]
    }
    weights = {"GDQ-2026-0001": 512, "GDQ-2026-0004": 256, "GDQ-2026-0003": 64}
    for label, n in weights.items():
        p = positions[label]
        m = verify.position_numerator(p)
        row = (
            f"| {label} | `{p.hex()[:13]}` | {m} | {math.ldexp(m, -53)!r} | {n} | "
            f"{verify.es_key(p, n)!r} |"
        )
        assert row in docs, row
    document = verify.weights_document(weights).replace("\t", r"\t").replace("\n", r"\n")
    assert f"`{document}`" in docs and f"`{verify.weights_hash(weights)}`" in docs
    ordered = verify.weighted_order([(positions[label], label) for label in weights], weights)
    assert [label for _p, label in ordered] == ["GDQ-2026-0001", "GDQ-2026-0004", "GDQ-2026-0003"]
