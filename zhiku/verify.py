"""Check a Zhiku draw record: ``python -m zhiku.verify RECORD.json``.

Standard library only (no Django, no database, no other file of Zhiku): it must run as
``python -I -S zhiku/verify.py RECORD.json`` on any machine with Python 3.11, so that anyone
can check a draw from its record and the public texts it follows:

- the IETF draft *A Verifiable Random Selection Process* (draft-thomson-elegy-vrs-00):
  labels, a one-time-code chain of SHA-256, ``PRK = HKDF-Extract(salt=one-time code,
  IKM=randomness)``, ``position = HKDF-Expand(PRK, info=label, L=32)``, lowest positions first,
  and one iteration with the next one-time code for each substitution (top-up) round;
- RFC 5869 (HKDF with SHA-256) and RFC 3797 section 4 (how the randomness sources are written);
- for a draw with fair-rotation weights (record format 2), weighted sampling without replacement
  by Efraimidis and Spirakis: each label's position, read as a number u in (0, 1), gives the key
  ``-ln(u) / w`` and the keys are walked in ascending order (``docs/draws.md`` states the
  floating-point rule, and near ties are settled in exact integer arithmetic).

``docs/draws.md`` specifies the record. The functions below are also what Zhiku itself draws
with, so the published known-answer vectors of the draft test both.

Prints ``OK`` and exits 0 when everything recomputes; otherwise prints one line per mismatch,
``MISMATCH <what>: <说明>``, and exits 1 (2 when the file cannot be read as a record).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cmp_to_key
from typing import Any

FORMAT = "zhiku-draw-record/1"
FORMAT_WEIGHTED = "zhiku-draw-record/2"  # format 1 plus the fair-rotation weights
FORMATS = (FORMAT, FORMAT_WEIGHTED)
ALGORITHM = "draft-thomson-elegy-vrs-00"
POSITION_LENGTH = 32  # bytes: L = 32 in the draft

# Fair-rotation weights: w = n / 256 with an integer n from 64 to 1024, so no label's weight is
# more than 16 times another's.
WEIGHT_RULE = "efraimidis-spirakis"
WEIGHT_DENOMINATOR = 256
WEIGHT_MIN, WEIGHT_MAX = 64, 1024
# Keys closer than this (relative) are ordered by exact integer arithmetic instead, so the
# order never hangs on the last bit of a platform's logarithm.
NEAR_TIE = 2.0**-40

# --- primitives: SHA-256 chains, HKDF (RFC 5869), positions -------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash_times(value: bytes, times: int) -> bytes:
    """Return H^times(value): SHA-256 applied ``times`` times (H^0 is the value itself)."""
    for _ in range(times):
        value = hashlib.sha256(value).digest()
    return value


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract with SHA-256 (RFC 5869 section 2.2): HMAC-Hash(salt, IKM)."""
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk: bytes, info: bytes, length: int = POSITION_LENGTH) -> bytes:
    """HKDF-Expand with SHA-256 (RFC 5869 section 2.3)."""
    if length > 255 * 32:
        raise ValueError("HKDF-Expand: L too large")
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def positions(code: bytes, randomness: bytes, labels: Iterable[str]) -> list[tuple[bytes, str]]:
    """Return (position, label) for every label, sorted by position, lowest first.

    ``PRK = HKDF-Extract(salt=code, IKM=randomness)``; ``position = HKDF-Expand(PRK, label, 32)``.
    With L = 32 HKDF-Expand is one HMAC of ``label || 0x01``; the keyed HMAC state is copied
    per label instead of keyed again (the same value, computed faster).
    """
    prk = hkdf_extract(code, randomness)
    keyed = hmac.new(prk, digestmod=hashlib.sha256)
    out = []
    for label in labels:
        mac = keyed.copy()
        mac.update(label.encode("utf-8") + b"\x01")
        out.append((mac.digest(), label))
    out.sort()
    return out


# --- labels -----------------------------------------------------------------------------------


def labels_document(strata: Sequence[Mapping[str, Any]]) -> str:
    """The text the labels' hash is taken of: one line ``<stratum key>\\t<label>\\n`` per label,
    strata in the record's order, labels within a stratum in ascending code-point order."""
    lines = []
    for stratum in strata:
        for label in sorted(stratum["labels"]):
            lines.append(f"{stratum['key']}\t{label}\n")
    return "".join(lines)


def labels_hash(strata: Sequence[Mapping[str, Any]]) -> str:
    return hashlib.sha256(labels_document(strata).encode("utf-8")).hexdigest()


# --- randomness: RFC 3797 section 4 -----------------------------------------------------------

_NUMBER = re.compile(r"\d+")


def rfc3797_source(numbers: Iterable[int]) -> str:
    """One source's values as RFC 3797 section 4 writes them: in ascending order, each a decimal
    number without leading zeros followed by a period, the source ended by a slash."""
    values = sorted(int(n) for n in numbers)
    if not values or any(v < 0 for v in values):
        raise ValueError("a source needs at least one non-negative integer")
    return "".join(f"{v}." for v in values) + "/"


def parse_groups(text: str) -> list[list[int]]:
    """Split a typed value into groups of integers: groups by ``+``, numbers by anything else."""
    groups = []
    for part in text.split("+"):
        numbers = [int(n) for n in _NUMBER.findall(part)]
        if not numbers:
            raise ValueError(f"group without a number: {part!r}")
        groups.append(numbers)
    return groups


def encode_source(kind: str, value: str) -> str:
    """The RFC 3797 encoding of one source's typed value.

    ``witness``: the supervisor's value, digits only, is one number (one source).
    ``lottery``: a public lottery result; each ``+``-separated group of numbers is one source.
    """
    if kind == "witness":
        digits = value.strip()
        if not digits.isascii() or not digits.isdigit():
            raise ValueError("a witness value is digits only")
        return rfc3797_source([int(digits)])
    if kind == "lottery":
        return "".join(rfc3797_source(group) for group in parse_groups(value))
    raise ValueError(f"unknown source kind {kind!r}")


# --- fair-rotation weights: Efraimidis-Spirakis keys ---------------------------------------------


def weights_document(weights: Mapping[str, int]) -> str:
    """The text the weights' hash is taken of: one line ``<label>\\t<n>\\n`` per label, labels in
    ascending code-point order."""
    return "".join(f"{label}\t{int(weights[label])}\n" for label in sorted(weights))


def weights_hash(weights: Mapping[str, int]) -> str:
    return hashlib.sha256(weights_document(weights).encode("utf-8")).hexdigest()


def position_numerator(position: bytes) -> int:
    """The odd integer m with u = m / 2**53: the position's first 52 bits t give m = 2t + 1, so
    u lies strictly between 0 and 1 and is exactly a binary64 number."""
    return 2 * (int.from_bytes(position[:7], "big") >> 4) + 1


def es_key(position: bytes, n: int) -> float:
    """The Efraimidis-Spirakis key ``-ln(u) / w`` in binary64, u from the position, w = n/256."""
    u = math.ldexp(position_numerator(position), -53)
    return -math.log(u) / (n / WEIGHT_DENOMINATOR)


def _exact_compare(a: tuple[float, bytes, str, int], b: tuple[float, bytes, str, int]) -> int:
    """Order two (key, position, label, n) exactly: -ln(u_a)/w_a < -ln(u_b)/w_b exactly when
    u_a ** n_b > u_b ** n_a, that is m_a ** n_b * 2 ** (53 n_a) > m_b ** n_a * 2 ** (53 n_b);
    equal keys go by position."""
    _ka, pa, _la, na = a
    _kb, pb, _lb, nb = b
    left = position_numerator(pa) ** nb
    right = position_numerator(pb) ** na
    shift = 53 * (na - nb)
    if shift > 0:
        left <<= shift
    else:
        right <<= -shift
    if left != right:
        return -1 if left > right else 1
    return -1 if pa < pb else (1 if pa > pb else 0)


def weighted_order(
    ranked: Sequence[tuple[bytes, str]], weights: Mapping[str, int]
) -> list[tuple[bytes, str]]:
    """Reorder (position, label) pairs by their keys, ascending; equal keys by position."""
    items = sorted(
        (es_key(position, int(weights[label])), position, label, int(weights[label]))
        for position, label in ranked
    )
    out: list[tuple[bytes, str]] = []
    start = 0
    while start < len(items):
        end = start + 1
        while end < len(items) and items[end][0] - items[end - 1][0] <= NEAR_TIE * items[end][0]:
            end += 1
        cluster = items[start:end]
        if len(cluster) > 1:
            cluster.sort(key=cmp_to_key(_exact_compare))
        out += [(position, label) for _key, position, label, _n in cluster]
        start = end
    return out


def check_weights(weights: Any, labels: Iterable[str]) -> list[str]:
    """What is wrong with a record's ``weights`` (empty when nothing is)."""
    problems = []
    if not isinstance(weights, Mapping):
        return ["权重缺失"]
    if weights.get("rule") != WEIGHT_RULE:
        problems.append(f"加权规则应为 {WEIGHT_RULE!r}，记录为 {weights.get('rule')!r}")
    if weights.get("denominator") != WEIGHT_DENOMINATOR:
        problems.append(f"权重分母应为 {WEIGHT_DENOMINATOR}，记录为 {weights.get('denominator')!r}")
    values = weights.get("values")
    if not isinstance(values, Mapping):
        return [*problems, "权重值缺失"]
    expected = set(labels)
    if set(values) != expected:
        missing = sorted(expected - set(values))[:3]
        extra = sorted(set(values) - expected)[:3]
        problems.append(f"权重应恰为每个标签一个（缺 {missing}，多 {extra}）")
    for label, n in values.items():
        if not isinstance(n, int) or isinstance(n, bool) or not WEIGHT_MIN <= n <= WEIGHT_MAX:
            problems.append(
                f"{label} 的权重分子 {n!r} 不在 {WEIGHT_MIN} 至 {WEIGHT_MAX} 之间（权重之比不得超过 16）"
            )
            break
    recomputed = weights_hash(values)
    if recomputed != weights.get("hash"):
        problems.append(
            f"权重哈希与权重不符：记录为 {_short(weights.get('hash'))}，重算为 {_short(recomputed)}"
        )
    return problems


# --- one round ---------------------------------------------------------------------------------


def select(
    ranked: Sequence[tuple[bytes, str]],
    stratum_of: Mapping[str, str],
    wanted: Mapping[str, int],
    skip: Iterable[str] = (),
) -> list[tuple[bytes, str]]:
    """Walk the ranked labels from the lowest position; take each label not skipped while its
    stratum still wants more. Return what was taken, in position order."""
    skipped = set(skip)
    need = {key: max(0, int(n)) for key, n in wanted.items()}
    left = sum(need.values())
    taken = []
    for position, label in ranked:
        if left == 0:
            break
        key = stratum_of[label]
        if label in skipped or need.get(key, 0) == 0:
            continue
        taken.append((position, label))
        need[key] -= 1
        left -= 1
    return taken


# --- the record --------------------------------------------------------------------------------


class RecordError(Exception):
    """The file is not a draw record this checker can read."""


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "…"


def _labels_of(items: Iterable[Any]) -> list[str]:
    return [item["label"] if isinstance(item, Mapping) else item for item in items]


def check(record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Recompute everything a record states. Return (mismatches, notes); no mismatch is OK."""
    try:
        return _check(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RecordError(f"记录格式不正确：{exc!r}") from exc


def _check(record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    bad: list[str] = []
    notes: list[str] = []

    def mismatch(what: str, text: str) -> None:
        bad.append(f"MISMATCH {what}: {text}")

    if record.get("format") not in FORMATS:
        mismatch(
            "format",
            f"记录格式为 {record.get('format')!r}，本检查程序只读 {' 或 '.join(map(repr, FORMATS))}",
        )
        return bad, notes
    if record.get("algorithm") != ALGORITHM:
        mismatch(
            "algorithm",
            f"记录所述算法为 {record.get('algorithm')!r}，与本检查程序实现的 {ALGORITHM!r} 不符",
        )
        return bad, notes

    # Labels, strata and the labels' hash.
    strata = record["strata"]
    stratum_of: dict[str, str] = {}
    places: dict[str, int] = {}
    for stratum in strata:
        places[stratum["key"]] = int(stratum["places"])
        for label in stratum["labels"]:
            if label != label.strip() or not label:
                mismatch("labels", f"标签 {label!r} 为空或首尾有空白")
            if label in stratum_of:
                mismatch("labels", f"标签 {label} 出现不止一次")
            stratum_of[label] = stratum["key"]
    recomputed = labels_hash(strata)
    if recomputed != record["labels_hash"]:
        mismatch(
            "labels_hash",
            f"标签哈希与标签不符：记录为 {_short(record['labels_hash'])}，按标签重算为 {_short(recomputed)}",
        )
    if int(record["label_count"]) != len(stratum_of):
        mismatch("label_count", f"标签数记录为 {record['label_count']}，实有 {len(stratum_of)} 个")
    if sum(places.values()) != int(record["places"]):
        mismatch(
            "places", f"各层名额之和 {sum(places.values())} 与抽取人数 {record['places']} 不符"
        )

    # Fair-rotation weights (format 2 only), frozen with the labels.
    weights: Mapping[str, int] | None = None
    if record["format"] == FORMAT_WEIGHTED:
        problems = check_weights(record.get("weights"), stratum_of)
        for problem in problems:
            mismatch("weights", problem)
        if problems:
            return bad, notes
        weights = record["weights"]["values"]
    elif record.get("weights") is not None:
        mismatch(
            "weights", f"格式 {FORMAT!r} 的记录不带权重；带权重的记录格式为 {FORMAT_WEIGHTED!r}"
        )

    # The one-time-code chain: H^n(secret) is the commitment; round i uses H^(n-i)(secret).
    otc = record["one_time_code"]
    if otc.get("hash") != "SHA-256":
        mismatch("one_time_code", f"一次性码的哈希函数应为 SHA-256，记录为 {otc.get('hash')!r}")
    n = int(otc["n"])
    commitment = bytes.fromhex(otc["commitment"])
    rounds = record.get("rounds") or []
    if len(rounds) >= n:
        mismatch("one_time_code", f"{len(rounds)} 轮抽取用尽了 n = {n} 的一次性码链")
    secret_hex = otc.get("secret")
    if secret_hex:
        secret = bytes.fromhex(secret_hex)
        if hash_times(secret, n) != commitment:
            mismatch("commitment", f"对公开的秘密值连续 {n} 次 SHA-256 得不到记录的承诺值")
    else:
        notes.append("秘密值尚未公开（活动结束后公开）；已按承诺值核对各轮一次性码。")

    # Randomness: each source re-encoded by RFC 3797 section 4, concatenated in announced order.
    randomness_record = record["randomness"]
    encoded_parts = []
    complete = True
    for i, source in enumerate(randomness_record["sources"], start=1):
        if source.get("value") in (None, ""):
            complete = False
            continue
        try:
            encoded = encode_source(source["kind"], str(source["value"]))
        except ValueError as exc:
            mismatch(
                f"randomness source {i}", f"值 {source['value']!r} 无法按 RFC 3797 编码：{exc}"
            )
            complete = False
            continue
        if encoded != source.get("encoded"):
            mismatch(
                f"randomness source {i}",
                f"“{source.get('name', '')}”的值 {source['value']!r} 应编码为 {encoded!r}，"
                f"记录为 {source.get('encoded')!r}",
            )
        encoded_parts.append(encoded)
    randomness_text = "".join(encoded_parts) if complete else None
    if complete and randomness_text != randomness_record.get("encoded"):
        mismatch(
            "randomness",
            f"随机数来源按序拼接为 {randomness_text!r}，记录为 {randomness_record.get('encoded')!r}",
        )
    if rounds and not complete:
        mismatch("randomness", "已有抽取结果，但随机数来源的值不全")
        return bad, notes

    # Rounds: recompute every position and the candidates taken.
    drawn: list[str] = []
    previous_code = commitment
    all_labels = list(stratum_of)
    for index, rnd in enumerate(rounds, start=1):
        name = f"round {index}"
        if int(rnd["round"]) != index:
            mismatch(name, f"轮次编号应为 {index}，记录为 {rnd['round']}")
        code = bytes.fromhex(rnd["one_time_code"])
        if secret_hex:
            # The revealed secret tells which value was changed: the code or the commitment.
            if hash_times(bytes.fromhex(secret_hex), n - index) != code:
                mismatch(
                    f"one_time_code {name}", f"第 {index} 轮一次性码不是 H^(n-{index})(秘密值)"
                )
        elif sha256(code) != previous_code:
            what = "commitment/one_time_code round 1" if index == 1 else f"one_time_code {name}"
            against = "承诺值" if index == 1 else f"第 {index - 1} 轮的一次性码"
            mismatch(what, f"第 {index} 轮一次性码的 SHA-256 不等于{against}")
        previous_code = code

        confirmed = list(rnd.get("confirmed") or [])
        left = _labels_of(rnd.get("left") or [])
        if sorted(confirmed + left) != sorted(drawn):
            mismatch(
                f"{name} left/confirmed",
                f"第 {index} 轮所列的已确认与已离开专家（{len(confirmed)} + {len(left)}）"
                f"应恰为此前各轮的候选专家（{len(drawn)}）",
            )
        disqualified = _labels_of(rnd.get("disqualified") or [])
        for label in disqualified:
            if label not in stratum_of:
                mismatch(f"{name} disqualified", f"取消资格的 {label} 不在冻结的标签中")
        wanted = {key: places[key] for key in places}
        for label in confirmed:
            if label in stratum_of:
                wanted[stratum_of[label]] -= 1
        wanted = {key: max(0, value) for key, value in wanted.items()}
        if {k: int(v) for k, v in (rnd.get("shortfall") or {}).items()} != wanted:
            mismatch(f"{name} shortfall", f"应抽取 {wanted}，记录为 {rnd.get('shortfall')}")
        ranked = positions(code, randomness_text.encode("utf-8"), all_labels)  # type: ignore[union-attr]
        if weights is not None:
            ranked = weighted_order(ranked, weights)
        taken = select(ranked, stratum_of, wanted, skip=set(drawn) | set(disqualified))
        recorded = [(c["label"], c.get("position")) for c in rnd["candidates"]]
        expected = [(label, position.hex()) for position, label in taken]
        if [label for label, _p in recorded] != [label for label, _p in expected]:
            mismatch(
                f"{name} candidates",
                f"第 {index} 轮候选专家记录为 {[label for label, _p in recorded]}，"
                f"重算为 {[label for label, _p in expected]}",
            )
        elif recorded != expected:
            mismatch(f"{name} positions", f"第 {index} 轮候选专家的位置值与重算不符")
        for c in rnd["candidates"]:
            if c["label"] in stratum_of and c.get("stratum") != stratum_of[c["label"]]:
                mismatch(f"{name} candidates", f"{c['label']} 的层记录为 {c.get('stratum')}")
        unfilled = dict(wanted)
        for _position, label in taken:
            unfilled[stratum_of[label]] -= 1
        if {k: int(v) for k, v in (rnd.get("unfilled") or {}).items()} != unfilled:
            mismatch(f"{name} unfilled", f"未补足名额应为 {unfilled}，记录为 {rnd.get('unfilled')}")
        drawn += [label for _position, label in taken]
    return bad, notes


def load(path: str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"无法读取 {path}：{exc}") from exc
    if not isinstance(record, dict):
        raise RecordError(f"{path} 不是抽取记录（应为 JSON 对象）")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in {"-h", "--help"}:
        print(
            "用法：python -m zhiku.verify RECORD.json\n"
            "按 draft-thomson-elegy-vrs-00、RFC 5869 与 RFC 3797 第 4 节重算抽取记录：\n"
            "全部相符时输出 OK；否则逐项输出不符之处（MISMATCH …）并以状态 1 退出。",
            file=sys.stderr if len(args) != 1 else sys.stdout,
        )
        return 0 if args and args[0] in {"-h", "--help"} else 2
    try:
        bad, notes = check(load(args[0]))
    except RecordError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"NOTE {note}", file=sys.stderr)
    if bad:
        print("\n".join(bad))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
