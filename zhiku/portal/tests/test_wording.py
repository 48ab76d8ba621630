"""The shell's wording: the site's name on every page (the login page included), 您 rather than
Django's 你, 电子邮箱 for an e-mail address, and the full-width colon."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "zhiku" / "locale" / "zh_Hans" / "LC_MESSAGES"


def _title(body: str) -> str:
    return re.search(r"<title>(.*?)</title>", body, flags=re.S).group(1)  # type: ignore[union-attr]


@override_settings(ZHIKU_SITE={**settings.ZHIKU_SITE, "contact_email": "zhiku@example.org"})
def test_the_login_page_keeps_the_site_name_in_its_title_link_and_footer(client: Client) -> None:
    body = client.get(reverse("accounts:login")).content.decode()

    assert _title(body) == "登录 - 广东省质量发展促进会"
    assert '<span class="brand-name">广东省质量发展智库</span>' in body
    assert "<p>广东省质量发展促进会 · 广东省质量发展智库</p>" in body
    assert "电子邮箱：<a href" in body


def test_password_pages_say_您_and_use_the_full_width_colon(
    client: Client, make_user: Callable[..., Any]
) -> None:
    user = make_user("staff", username="changer")
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "12345678", "new_password2": "12345678"},
    )
    body = response.content.decode()

    assert "您输入的旧密码不正确" in body
    assert "您的密码不能全是数字" in body
    assert "你" not in body
    assert "您的密码不能与您的其他个人信息太相似" in body  # the help text


def test_the_reset_page_calls_the_address_电子邮箱(client: Client) -> None:
    body = client.get(reverse("accounts:password_reset")).content.decode()

    assert '<label for="id_email" class="required">电子邮箱</label>' in body
    assert "电子邮件" not in body and "Email" not in body


def test_django_forms_write_the_full_width_colon_after_a_label() -> None:
    from django import forms

    class Probe(forms.Form):
        email = forms.EmailField(label="电子邮箱")

    with translation.override("zh-hans"):
        assert Probe()["email"].label_tag() == '<label for="id_email">电子邮箱：</label>'
        assert Probe({"email": "x"}).errors["email"] == ["请输入有效的电子邮箱。"]


def test_the_compiled_catalogue_matches_its_source() -> None:
    """Every message of zhiku/locale's .po reads as written once compiled: the .mo is current."""
    source = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(
        r'^msgid ((?:".*"\n)+)(?:msgid_plural ((?:".*"\n)+))?msgstr(?:\[0\])? ((?:".*"\n)+)',
        source,
        flags=re.M,
    )

    def text(quoted: str) -> str:
        return "".join(re.findall(r'"(.*)"', quoted)).replace('\\"', '"')

    checked = 0
    with translation.override("zh-hans"):
        for msgid, plural, msgstr in entries:
            if not text(msgid):
                continue  # the header
            if plural:
                assert translation.ngettext(text(msgid), text(plural), 2) == text(msgstr)
            else:
                assert translation.gettext(text(msgid)) == text(msgstr)
            checked += 1
    assert checked >= 10
