"""Every form and upload of the site, filled with arbitrary input by hypothesis, as each demo role.

The forms are found by crawling the demo site signed in as each role, and the public site
(``fuzz_support``). Each form is then sent a bounded number of generated submissions: very
long text, control characters and NUL, mixed scripts, right-to-left marks, emoji, HTML, script
and SQL fragments, huge and negative numbers, impossible dates, random bytes and truncated
workbooks as files with huge names. Every submission must be answered without a server error;
whatever it echoes back is escaped; and a submission the site refuses leaves no row behind
(the tables' row counts, audit trail included, are those of before, refusal records aside).

The demo data is seeded once for the module inside a transaction that is rolled back at its
end; each submission runs in a savepoint rolled back after it, so every one meets the same site.
Hypothesis runs derandomized: CI is never luck-dependent, and a failure replays.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from zhiku.accounts.models import User
from zhiku.core.models import AuditEntry
from zhiku.core.tests.fuzz_support import Field, Form, crawl, shape

# The mark makes pytest-django create the test database; each test's own savepoint sits
# inside the module's transaction.
pytestmark = pytest.mark.django_db

# The whole module's budget: at least this many generated submissions in all, spread over
# the forms found (each form gets at least MIN_PER_FORM).
TOTAL_INPUTS = 2000
MIN_PER_FORM = 6
# One demo account per role, None for the public site; staff holds every right.
ROLES: list[str | None] = [
    None,
    "staff",
    "reviewer",
    "council1",
    "supervisor",
    "secadmin",
    "auditor",
    "expert",
    "applicant1",
]
# Markers that must never come back unescaped.
SCRIPT = "<script>zk_fuzz()</script>"
IMG = '"><img src=x onerror=zk_fuzz()>'
RAW_MARKERS = (b"<script>zk_fuzz", b"<img src=x onerror=zk_fuzz")
# Forms that end the session (sign out) or that a signed-in role has no reason to send.
SKIPPED_ACTIONS = ("/accounts/logout/",)
# Rows a refusal may leave: the record of the refusal itself.
REFUSAL_ACTIONS = {"accounts.login.failed", "accounts.access.refused", "accounts.otp.failed"}
REFUSAL_TABLES = {"axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"}
# Server errors found and not fixed yet, each to be fixed in its app and removed from here
# (none now: the exits' announcement form's case number too large for SQLite was the last).
KNOWN_FAULTS: set[str] = set()
# Drafts saved as the person types, field by field: what is valid is kept and the rest is
# said not saved ("部分内容未能保存"), by design. No row count is compared for them.
DRAFTS = {"/me/applications/N/edit/", "/me/applications/N/autosave/"}

HOSTILE = [
    SCRIPT,
    IMG,
    "' OR 1=1 --",
    "'; DROP TABLE experts_expert; --",
    '") UNION SELECT password FROM accounts_user --',
    "{{ 7*7 }}{% debug %}",
    "%s%s%s%n",
    "\x00",
    "a\x00b",
    "\u202e\u05e9\u05dc\u05d5\u05dd مرحبا",
    "\ufeff\u200b\u200d",
    "😀👨‍👩‍👧‍👦🇨🇳",
    "𠮷𩸽龘",
    "Ａ１２３４５６",
    "\r\n\t\x0b\x0c\x1b[31m",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "../../../../etc/passwd",
    "javascript:zk_fuzz()",
    "a" * 10_000,
    "专家" * 3000,
]

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join),
)
numbers = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    text,
)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    text,
)


def _workbook_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "证件号码", SCRIPT])  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip_bomb_ish() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    return out.getvalue()


WORKBOOK = _workbook_bytes()
file_contents = st.one_of(
    st.binary(max_size=2000),
    st.integers(min_value=0, max_value=len(WORKBOOK)).map(lambda n: WORKBOOK[:n]),
    st.just(WORKBOOK),
    st.just(_zip_bomb_ish()),
    st.just(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 100),
    st.just(b""),
)
file_names = st.one_of(
    st.sampled_from(["名单.xlsx", "a.pdf", "photo.jpg", "x.docx", ".xlsx", "noext"]),
    st.text(max_size=40).map(lambda s: s + ".xlsx"),
    st.just("长" * 300 + ".xlsx"),
    st.just("../../evil.xlsx"),
    st.just(SCRIPT + ".pdf"),
)
files = st.builds(
    lambda name, content: SimpleUploadedFile(name or "x", content), file_names, file_contents
)


def value_for(f: Field) -> st.SearchStrategy[Any]:
    """What a person (or an attacker) could put in one control."""
    kept = st.just(f.value)
    if f.kind == "file":
        return st.one_of(files, st.just(""), text)
    if f.kind in ("select", "radio") or (f.kind == "checkbox" and f.multiple):
        offered = st.sampled_from(f.options) if f.options else kept
        if f.multiple:
            return st.one_of(
                st.lists(offered, max_size=len(f.options) + 1),
                st.lists(text, min_size=1, max_size=3),
            )
        return st.one_of(offered, offered, text)
    if f.kind == "checkbox":
        return st.one_of(st.just(None), st.just(f.options[0] if f.options else "on"), text)
    if f.kind == "number":
        return st.one_of(kept, numbers)
    if f.kind in ("date", "datetime-local", "time", "month"):
        return st.one_of(kept, dates)
    if f.kind == "hidden":
        return st.one_of(kept, kept, text)
    return st.one_of(kept, text)


@dataclass
class Target:
    role: str | None
    form: Form


@dataclass
class Site:
    clients: dict[str | None, Client]
    targets: list[Target]
    crawl_errors: list[str] = field(default_factory=list)
    pages: int = 0


def _client(role: str | None) -> Client:
    client = Client()
    if role is not None:
        user = User.objects.get(username=role)
        client.force_login(user)
        _second_factor_given(client, user)
    return client


def _second_factor_given(client: Client, user: User) -> None:
    """Mark the session as having passed the second factor (django-otp), when the site asks one."""
    if not apps.is_installed("django_otp"):
        return
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

    device = next(iter(devices_for_user(user, confirmed=True)), None)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture(scope="module")
def site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The demo site, seeded once, its forms read as each role; all rolled back at the end."""
    from django.conf import settings as django_settings

    media = tmp_path_factory.mktemp("fuzz-media")
    old_media = django_settings.MEDIA_ROOT
    django_settings.MEDIA_ROOT = str(media)
    with django_db_blocker.unblock(), transaction.atomic():
        from importlib import import_module

        import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)
        call_command("demo_seed", verbosity=0)
        clients: dict[str | None, Client] = {}
        targets: list[Target] = []
        seen: set[Any] = set()
        found = Site(clients, targets)
        for role in ROLES:
            clients[role] = client = _client(role)
            starts = (
                ["/", "/accounts/login/", "/accounts/password/reset/"] if role is None else ["/"]
            )
            result = crawl(client, starts)
            found.pages += len(result.pages)
            found.crawl_errors += [f"{role}: {e}" for e in result.errors]
            for form in result.forms:
                skipped = (
                    form.action.endswith(SKIPPED_ACTIONS) or shape(form.action) in KNOWN_FAULTS
                )
                if skipped or form.key() in seen:
                    continue
                seen.add(form.key())
                targets.append(Target(role, form))
        yield found
        transaction.set_rollback(True)
    django_settings.MEDIA_ROOT = old_media


def _tables() -> list[str]:
    return sorted(
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.db_table not in REFUSAL_TABLES
    )


def row_counts(tables: list[str]) -> dict[str, int]:
    """Every table's row count in one query; the audit trail without refusal records."""
    quote = connection.ops.quote_name
    # The names come from the model registry, quoted: no input reaches this query.
    parts = [f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    counts = dict(zip(tables, row, strict=True))
    audit = AuditEntry._meta.db_table
    counts[audit] = AuditEntry.objects.exclude(action__in=REFUSAL_ACTIONS).count()
    return counts


def refused(response: Any) -> bool:
    """Whether the site turned the submission down (an error status, form errors, an error
    message after a redirect)."""
    if response.status_code >= 400:
        return True
    body = response.content if not response.streaming else b""
    if response.status_code == 200 and (b"has-error" in body or b"errorlist" in body):
        return True
    return any(m.level == message_levels.ERROR for m in get_messages(response.wsgi_request))


def submission(form: Form, values: dict[str, Any], button: tuple[str, str] | None) -> dict:
    data: dict[str, Any] = {}
    for f in form.fields:
        value = values.get(f.name)
        if value is None or value == []:
            continue
        data[f.name] = value
    if button is not None:
        data[button[0]] = button[1]
    return data


def _send(client: Client, form: Form, data: dict[str, Any]) -> Any:
    # No message of an earlier submission may be taken for this one's.
    client.cookies.pop("messages", None)
    headers = {"HX-Request": "true"} if form.htmx else {}
    if form.method == "get":
        plain = {k: v for k, v in data.items() if not hasattr(v, "read")}
        return client.get(form.action, plain, headers=headers)
    return client.post(form.action, data, headers=headers)


@dataclass
class Tally:
    inputs: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz_form(client: Client, form: Form, examples: int, tables: list[str], tally: Tally) -> None:
    """Send ``examples`` generated submissions of ``form``; raise on the first fault."""
    values = st.fixed_dictionaries({f.name: value_for(f) for f in form.fields})
    buttons = st.sampled_from([None, *form.buttons]) if form.buttons else st.just(None)

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the input as sent
        suppress_health_check=list(HealthCheck),
    )
    @given(values=values, button=buttons)
    def run(values: dict[str, Any], button: tuple[str, str] | None) -> None:
        for upload in values.values():
            if hasattr(upload, "seek"):
                upload.seek(0)
        data = submission(form, values, button)
        with transaction.atomic():
            before = row_counts(tables)
            response = _send(client, form, data)
            tally.inputs += 1
            assert response.status_code < 500, f"{response.status_code} for {data!r:.2000}"
            if not response.streaming:
                for marker in RAW_MARKERS:
                    assert marker not in response.content, f"unescaped echo for {data!r:.2000}"
            if refused(response) and shape(form.action) not in DRAFTS:
                tally.refused += 1
                after = row_counts(tables)
                changed = {t: (before[t], after[t]) for t in tables if before[t] != after[t]}
                assert not changed, f"refused, yet rows changed {changed} for {data!r:.2000}"
            transaction.set_rollback(True)

    run()


def test_the_crawl_reaches_pages_and_forms_without_a_server_error(site: Site) -> None:
    assert site.pages >= 50, site.pages
    assert len(site.targets) >= 40, [t.form.label() for t in site.targets]
    assert not site.crawl_errors


def test_every_form_survives_arbitrary_input(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    per_form = max(MIN_PER_FORM, math.ceil(TOTAL_INPUTS * 1.1 / len(site.targets)))
    tally = Tally()
    tables = _tables()
    for target in site.targets:
        try:
            fuzz_form(site.clients[target.role], target.form, per_form, tables, tally)
        except Exception as exc:  # report every faulty form, not the first alone
            tally.failures.append(f"{target.role or 'public'} {target.form.label()}: {exc}")
    with capsys.disabled():
        print(
            f"\nfuzz: {tally.inputs} inputs over {len(site.targets)} forms "
            f"({tally.refused} refused), {len(tally.failures)} faulty forms"
        )
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.inputs >= TOTAL_INPUTS, tally.inputs
