"""Bringing stored numbers to their one form, and finding people entered twice.

Before identity numbers, mobiles and e-mail addresses were normalised (full-width digits,
invisible characters, separators, case), the same person could be stored twice under two
spellings: ``４４０８０３…９２２X`` and ``440803…922X`` hashed differently. This decrypts every
stored number, normalises it, re-hashes, re-encrypts and re-masks it, and reports the records
that turn out to be one person. It never merges them: which record stays is for staff to
decide. Run by the data migration ``0007`` and by ``manage.py experts_find_duplicates``.

Works with the historical model of a migration as with the real one (it is passed in).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from zhiku.experts import crypto, identity, protected


@dataclass
class Collision:
    """Records that hold one identity number, mobile or e-mail address once normalised."""

    kind: str  # id_number | mobile | email
    records: list[dict[str, Any]]  # {"pk", "name", "pool_number"}, oldest first


@dataclass
class Report:
    examined: int = 0
    changed: int = 0
    applied: bool = False
    collisions: list[Collision] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)  # pks whose tokens no key decrypts

    def lines(self) -> list[str]:
        """Return the report in Chinese, one line each, without any protected value."""
        kinds = {"id_number": "证件号码", "mobile": "手机号码", "email": "电子邮箱"}
        done = (
            "已统一格式并更新"
            if self.applied
            else "需要统一格式（未更改；加 --normalise 运行以更新）"
        )
        out = [
            f"已检查 {self.examined} 位专家的证件号码、手机号码和电子邮箱：{self.changed} 位{done}。"
        ]
        for c in self.collisions:
            people = "、".join(
                f"{r['name']}（{r['pool_number'] or '未入库'}，记录 #{r['pk']}）" for r in c.records
            )
            out.append(
                f"{kinds[c.kind]}相同，可能是同一人重复录入：{people}。请核实后处理，系统未合并。"
            )
        if self.unreadable:
            out.append(
                "以下记录无法用当前密钥解密，未能统一格式（请配置原密钥后运行 "
                "manage.py experts_find_duplicates --normalise）："
                + "、".join(f"#{pk}" for pk in self.unreadable)
            )
        return out


def _clear(token: str) -> str | None:
    try:
        return crypto.decrypt(token)
    except crypto.DecryptionFailed:
        return None


def _mobile_form(clear: str) -> str:
    try:
        return identity.normalize_mobile(clear)
    except identity.InvalidMobile:
        return clear  # a malformed legacy value stays as it is, to be corrected by hand


def normalise_stored(expert_model: Any, *, apply: bool) -> Report:
    """Normalise every expert's stored numbers (when ``apply``) and report who collides.

    Within a group of records that turn out to share an identity number, only one can hold its
    lookup hash (it is unique): the one that already does, else the oldest. The others keep
    their former hash, which no new entry can produce any more, and are reported.
    """
    report = Report()
    rows = list(
        expert_model.objects.order_by("pk").values(
            "pk",
            "name",
            "pool_number",
            "id_number_token",
            "id_number_hash",
            "id_number_masked",
            "mobile_token",
            "mobile_hash",
            "mobile_masked",
            "email",
        )
    )
    report.examined = len(rows)
    wanted: dict[int, dict[str, Any]] = {}
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {
        "id_number": defaultdict(list),
        "mobile": defaultdict(list),
        "email": defaultdict(list),
    }
    for row in rows:
        update: dict[str, Any] = {}
        number = _clear(row["id_number_token"])
        mobile = _clear(row["mobile_token"]) if row["mobile_token"] else ""
        if number is None or mobile is None:
            report.unreadable.append(row["pk"])
            update["id_number_masked"] = protected.remask_id_number(row["id_number_masked"])
        else:
            normal = identity.normalize(number)
            columns = protected.id_number_columns(normal)
            if normal == number:
                del columns["id_number_token"]  # re-encrypting an unchanged value gains nothing
            update.update(columns)
            groups["id_number"][columns["id_number_hash"]].append(row)
            if mobile:
                normal_mobile = _mobile_form(mobile)
                mobile_columns = protected.mobile_columns(normal_mobile)
                if normal_mobile == mobile:
                    del mobile_columns["mobile_token"]
                update.update(mobile_columns)
                groups["mobile"][mobile_columns["mobile_hash"]].append(row)
        email = identity.normalize_email(row["email"] or "")
        update["email"] = email
        if email:
            groups["email"][email].append(row)
        wanted[row["pk"]] = {k: v for k, v in update.items() if row.get(k) != v}

    # A hash an unreadable record still holds must not be given to another.
    held = {r["id_number_hash"] for r in rows if r["pk"] in set(report.unreadable)}
    for key in held & set(groups["id_number"]):
        for m in groups["id_number"][key]:
            if m["id_number_hash"] != key:
                wanted[m["pk"]].pop("id_number_hash", None)
                wanted[m["pk"]].pop("id_number_token", None)
    for kind, by_key in groups.items():
        for key, members in by_key.items():
            if len(members) < 2:
                continue
            report.collisions.append(
                Collision(
                    kind,
                    [
                        {"pk": m["pk"], "name": m["name"], "pool_number": m["pool_number"]}
                        for m in members
                    ],
                )
            )
            if kind == "id_number":
                keeper = next((m for m in members if m["id_number_hash"] == key), members[0])
                for m in members:
                    if m is not keeper:
                        # Keep the former hash (and token): the unique hash is the keeper's.
                        wanted[m["pk"]].pop("id_number_hash", None)
                        wanted[m["pk"]].pop("id_number_token", None)

    changed = {pk: fields for pk, fields in wanted.items() if fields}
    report.changed = len(changed)
    report.applied = apply
    if apply and changed:
        with transaction.atomic():
            for pk, fields in changed.items():
                expert_model.objects.filter(pk=pk).update(**fields)
    return report
