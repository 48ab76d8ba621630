"""The standard-library checker: the draft's own published example, RFC 3797's encoding, every
kind of tampering named, and a run with ``python -I -S`` (nothing but the standard library)."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zhiku import verify

ROOT = Path(__file__).resolve().parents[3]
CHECKER = ROOT / "zhiku" / "verify.py"

# The example of draft-thomson-elegy-vrs-00, appendix "Example Usage".
SECRET = b"totally not a bikeshed"
RANDOMNESS = "1.2.3.4.5.6./1.2.3.4.5.6./1.2.3.4.5.6./"
# CSS Color Module Level 3's 147 names; the draft leaves out four as not colours or aliases.
CSS3 = """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson
cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta
darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue darkslategray
darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue firebrick
floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray grey green greenyellow
honeydew hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon
lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey lightpink
lightsalmon lightseagreen lightskyblue lightslategray lightslategrey lightsteelblue lightyellow
lime limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple
mediumseagreen mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue
mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
powderblue purple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna
silver skyblue slateblue slategray slategrey snow springgreen steelblue tan teal thistle tomato
turquoise violet wheat white whitesmoke yellow yellowgreen""".split()  # noqa: SIM905
COLOURS = [c for c in CSS3 if c not in {"transparent", "grey", "cyan", "magenta"}]


def test_the_colour_list_is_css3s_147_names() -> None:
    assert len(CSS3) == len(set(CSS3)) == 147


def test_the_secret_hashed_ten_times_is_the_drafts_commitment() -> None:
    assert verify.hash_times(SECRET, 10).hex() == (
        "950ea08d8d5fd3ae415b9967aba7a48aba39ca62a4d98f2e7fe25cb1b8f8c488"
    )
    assert verify.hash_times(SECRET, 9).hex() == (
        "5346f2efb5397a6788fc1f1d9c05c6d3f2abe9b7d16d8592a3695b6dbe9f2456"
    )
    assert verify.hash_times(SECRET, 8).hex() == (
        "2f70f884997ce80771adbefbbbc6c71a1b921da71896c25ca0f64966bfd0c8ce"
    )


def test_the_ninth_value_puts_lavenderblush_first_as_the_draft_prints() -> None:
    ranked = verify.positions(verify.hash_times(SECRET, 9), RANDOMNESS.encode(), COLOURS)

    assert [(p.hex()[:27], label) for p, label in ranked[:6]] == [
        ("002ed527ae0a44a86c205d1cdba", "lavenderblush"),
        ("03f710be2b61a6f9c3f89aa5ab5", "blue"),
        ("08bab81380d7f0769cecf9969a8", "darkgoldenrod"),
        ("0c26494fa81f3aed8a9f66e77b7", "mediumvioletred"),
        ("0e1af5d1ccfd44de075cc0bb6d5", "bisque"),
        ("13a07cc9abf3b737e49a62b0634", "lightpink"),
    ]


def test_the_eighth_value_puts_aqua_first_as_the_draft_prints() -> None:
    ranked = verify.positions(verify.hash_times(SECRET, 8), RANDOMNESS.encode(), COLOURS)

    assert [(p.hex()[:27], label) for p, label in ranked[:3]] == [
        ("00d1c59a9f1b581060a9e732e91", "aqua"),
        ("02b514b0b1807bfe086db524f40", "darkgray"),
        ("0337add95eac62a356b020a273a", "cornflowerblue"),
    ]


def test_hkdf_matches_rfc_5869_test_case_1() -> None:
    ikm = bytes.fromhex("0b" * 22)
    salt = bytes.fromhex("000102030405060708090a0b0c")
    info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
    prk = verify.hkdf_extract(salt, ikm)
    assert prk.hex() == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    assert verify.hkdf_expand(prk, info, 42).hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_rfc_3797_encoding_of_its_own_worked_example() -> None:
    # RFC 3797 section 6: three sources, the second's values sorted.
    assert verify.encode_source("lottery", "9319 + 2 5 12 8 10 + 9 18 26 34 41 45") == (
        "9319./2.5.8.10.12./9.18.26.34.41.45./"
    )
    assert verify.encode_source("lottery", "1 2 3 4 5 6 + 1 2 3 4 5 6 + 1 2 3 4 5 6") == RANDOMNESS
    assert verify.encode_source("lottery", "03 07 12 19 25 31 + 08") == "3.7.12.19.25.31./8./"
    # The supervisor's value is one number: no leading zeros.
    assert verify.encode_source("witness", "0042") == "42./"
    with pytest.raises(ValueError):
        verify.encode_source("witness", "12a4")


def draft_record() -> dict[str, Any]:
    """The draft's example as a Zhiku draw record: three places, "blue" left out beforehand,
    lavenderblush unavailable after round 1, aqua its substitute in round 2."""
    labels = sorted(c for c in COLOURS if c != "blue")
    code9 = verify.hash_times(SECRET, 9)
    code8 = verify.hash_times(SECRET, 8)
    ranked9 = dict(
        (label, p.hex()) for p, label in verify.positions(code9, RANDOMNESS.encode(), labels)
    )
    ranked8 = dict(
        (label, p.hex()) for p, label in verify.positions(code8, RANDOMNESS.encode(), labels)
    )
    first = ["lavenderblush", "darkgoldenrod", "mediumvioletred"]
    strata = [{"key": "all", "name": "全部", "places": 3, "labels": labels}]
    return {
        "format": verify.FORMAT,
        "algorithm": verify.ALGORITHM,
        "draw": "draft-example",
        "status": "completed",
        "places": 3,
        "strata": strata,
        "label_count": len(labels),
        "labels_hash": verify.labels_hash(strata),
        "one_time_code": {
            "hash": "SHA-256",
            "n": 10,
            "commitment": verify.hash_times(SECRET, 10).hex(),
            "secret": SECRET.hex(),
        },
        "randomness": {
            "sources": [
                {
                    "kind": "lottery",
                    "name": "three lotteries",
                    "value": "1 2 3 4 5 6 + 1 2 3 4 5 6 + 1 2 3 4 5 6",
                    "encoded": RANDOMNESS,
                }
            ],
            "encoded": RANDOMNESS,
        },
        "rounds": [
            {
                "round": 1,
                "one_time_code": code9.hex(),
                "confirmed": [],
                "left": [],
                "disqualified": [],
                "shortfall": {"all": 3},
                "candidates": [
                    {"label": c, "stratum": "all", "position": ranked9[c]} for c in first
                ],
                "unfilled": {"all": 0},
            },
            {
                "round": 2,
                "one_time_code": code8.hex(),
                "confirmed": ["darkgoldenrod", "mediumvioletred"],
                "left": [{"label": "lavenderblush", "outcome": "withdrew", "reason": "缺货"}],
                "disqualified": [],
                "shortfall": {"all": 1},
                "candidates": [{"label": "aqua", "stratum": "all", "position": ranked8["aqua"]}],
                "unfilled": {"all": 0},
            },
        ],
    }


def test_the_drafts_example_as_a_record_checks_ok() -> None:
    assert verify.check(draft_record()) == ([], [])


def mismatches(record: dict[str, Any]) -> list[str]:
    bad, _notes = verify.check(record)
    return bad


def named(record: dict[str, Any]) -> set[str]:
    return {line.split(":")[0].removeprefix("MISMATCH ") for line in mismatches(record)}


def test_a_changed_label_is_named() -> None:
    record = draft_record()
    record["strata"][0]["labels"][5] = "rebeccapurple"

    assert "labels_hash" in named(record)


def test_changed_randomness_is_named() -> None:
    record = draft_record()
    record["randomness"]["sources"][0]["value"] = "1 2 3 4 5 7 + 1 2 3 4 5 6 + 1 2 3 4 5 6"
    assert "randomness source 1" in named(record)

    record = draft_record()
    record["randomness"]["encoded"] = "1.2.3.4.5.7./" + RANDOMNESS[13:]
    assert "randomness" in named(record)


def test_changed_randomness_with_a_consistent_encoding_changes_the_candidates() -> None:
    record = draft_record()
    other = "1 2 3 4 5 7 + 1 2 3 4 5 6 + 1 2 3 4 5 6"
    record["randomness"]["sources"][0].update(
        value=other, encoded=verify.encode_source("lottery", other)
    )
    record["randomness"]["encoded"] = verify.encode_source("lottery", other)

    assert "round 1 candidates" in named(record)


def test_a_changed_one_time_code_is_named() -> None:
    record = draft_record()
    record["rounds"][1]["one_time_code"] = verify.hash_times(SECRET, 7).hex()

    assert "one_time_code round 2" in named(record)


def test_a_changed_one_time_code_is_named_before_the_secret_is_revealed() -> None:
    record = draft_record()
    record["one_time_code"]["secret"] = None
    assert verify.check(record) == (
        [],
        ["秘密值尚未公开（活动结束后公开）；已按承诺值核对各轮一次性码。"],
    )
    record["rounds"][1]["one_time_code"] = verify.hash_times(SECRET, 7).hex()

    assert "one_time_code round 2" in named(record)


def test_a_changed_commitment_is_named() -> None:
    record = draft_record()
    record["one_time_code"]["commitment"] = verify.hash_times(SECRET, 11).hex()

    assert named(record) == {"commitment"}


def test_changed_candidates_are_named() -> None:
    record = draft_record()
    record["rounds"][0]["candidates"][2]["label"] = "bisque"

    assert "round 1 candidates" in named(record)

    record = draft_record()
    record["rounds"][1]["candidates"][0]["position"] = "00" * 32
    assert named(record) == {"round 2 positions"}


def test_a_changed_algorithm_version_is_named() -> None:
    record = draft_record()
    record["algorithm"] = "draft-thomson-elegy-vrs-01"

    assert named(record) == {"algorithm"}


def test_a_substitute_round_must_account_for_everyone_drawn_before() -> None:
    record = draft_record()
    record["rounds"][1]["left"] = []  # lavenderblush silently dropped

    assert "round 2 left/confirmed" in named(record)


def test_nothing_passes_unchanged_when_a_field_is_removed() -> None:
    record = draft_record()
    del record["rounds"][0]["candidates"]

    with pytest.raises(verify.RecordError):
        verify.check(record)


def _write(tmp_path: Path, record: dict[str, Any], name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_checker_runs_with_the_standard_library_only(tmp_path: Path) -> None:
    """-I ignores the environment and the current directory, -S skips site-packages: no Django,
    not even the zhiku package can be imported; the file stands alone."""
    good = _write(tmp_path, draft_record())
    bad_record = copy.deepcopy(draft_record())
    bad_record["algorithm"] = "something-else"
    bad = _write(tmp_path, bad_record, "bad.json")

    ok = subprocess.run(
        [sys.executable, "-I", "-S", str(CHECKER), str(good)], capture_output=True, text=True
    )
    wrong = subprocess.run(
        [sys.executable, "-I", "-S", str(CHECKER), str(bad)], capture_output=True, text=True
    )

    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "OK\n", "")
    assert wrong.returncode == 1
    assert wrong.stdout.startswith("MISMATCH algorithm: ")


def test_python_dash_m_zhiku_verify_prints_ok(tmp_path: Path) -> None:
    path = _write(tmp_path, draft_record())

    result = subprocess.run(
        [sys.executable, "-m", "zhiku.verify", str(path)], capture_output=True, text=True, cwd=ROOT
    )

    assert (result.returncode, result.stdout) == (0, "OK\n")


def test_an_unreadable_file_is_an_error_not_a_mismatch(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")

    assert verify.main([str(path)]) == 2
    assert capsys.readouterr().err.startswith("ERROR 无法读取")


def test_the_checker_imports_only_the_standard_library() -> None:
    tree = ast.parse(CHECKER.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])

    assert modules
    assert modules - {"__future__"} <= set(sys.stdlib_module_names)


DOCS = ROOT / "docs" / "draws.md"


def test_the_complete_record_in_the_docs_checks_ok() -> None:
    block = DOCS.read_text(encoding="utf-8").split("```json\n", 1)[1].split("```", 1)[0]
    record = json.loads(block)

    assert verify.check(record) == ([], [])
    assert [c["label"] for c in record["rounds"][0]["candidates"]] == [
        "GDQ-2026-0001",
        "GDQ-2026-0004",
    ]
    assert [c["label"] for c in record["rounds"][1]["candidates"]] == ["GDQ-2026-0003"]
    assert record["one_time_code"]["secret"] == bytes(range(32)).hex()


def test_the_known_answers_in_the_docs_are_right() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    one = [{"key": "all", "labels": ["GDQ-2026-0002", "GDQ-2026-0001", "GDQ-2025-0417"]}]
    two = [
        {"key": "university", "labels": ["GDQ-2026-0002", "GDQ-2025-0417"]},
        {"key": "enterprise", "labels": ["GDQ-2026-0001"]},
    ]
    for strata in (one, two):
        assert f"`{verify.labels_hash(strata)}`" in docs
        shown = verify.labels_document(strata).replace("\t", r"\t").replace("\n", r"\n")
        assert f"`{shown}`" in docs
    for typed, encoded in (
        ("73914062", "73914062./"),
        ("0042", "42./"),
    ):
        assert verify.encode_source("witness", typed) == encoded
        assert f"`{typed}` → `{encoded}`" in docs
    assert "`03 07 12 19 25 31 + 08` → `3.7.12.19.25.31./8./`" in docs
