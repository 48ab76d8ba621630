"""The site's shell: public home page, footer from settings, Content-Security-Policy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_page_names_the_association_and_links_calls_notices_announcements(
    client: Client,
) -> None:
    body = client.get("/").content.decode()
    assert "广东省质量发展智库" in body
    assert "广东省质量发展促进会" in body
    for heading in ("专家征集", "公示", "公告"):
        assert f"<h2>{heading}</h2>" in body
    assert '<html lang="zh-CN">' in body


def test_footer_filing_numbers_and_contacts_come_from_settings(
    client: Client, settings: Any
) -> None:
    settings.ZHIKU_SITE = {
        **settings.ZHIKU_SITE,
        "icp_number": "粤ICP备12345678号",
        "psb_number": "粤公网安备44010602000001号",
        "psb_code": "44010602000001",
        "contact_phone": "020-87654321",
        "contact_email": "office@gdqa.example.org",
        "contact_address": "广州市天河区示例路 1 号",
    }
    body = client.get("/").content.decode()
    for text in (
        "粤ICP备12345678号",
        "粤公网安备44010602000001号",
        "020-87654321",
        "office@gdqa.example.org",
        "广州市天河区示例路 1 号",
    ):
        assert text in body


def test_footer_leaves_out_filing_numbers_not_configured(client: Client) -> None:
    body = client.get("/").content.decode()
    assert "ICP" not in body
    assert "公网安备" not in body


def test_csp_forbids_inline_script_and_style(client: Client) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in csp


def _pages_for_every_role(make_user: Any) -> list[tuple[Client, str]]:
    pages: list[tuple[Client, str]] = [(Client(), u) for u in ("/", "/about/", "/accounts/login/")]
    pages += [(Client(), "/accounts/password/reset/")]
    homes = {
        "staff": "/workspace/dashboard/",
        "council": "/workspace/council/",
        "supervisor": "/workspace/supervisor/",
        "security_admin": "/accounts/manage/",
        "auditor": "/workspace/audit/",
        "expert": "/me/",
    }
    for role, url in homes.items():
        c = Client()
        c.force_login(make_user(role, username=f"shell-{role}"))
        pages += [(c, url), (c, "/accounts/password/change/")]
    return pages


def test_no_page_has_inline_script_or_style(make_user: Any) -> None:
    for client, url in _pages_for_every_role(make_user):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle\s*=", html), url
        assert "<style" not in html, url
        assert not re.search(r"\son[a-z]+\s*=", html), url


def test_static_assets_are_served_by_the_app(client: Client) -> None:
    html = client.get("/").content.decode()
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset


def test_no_asset_comes_from_another_origin(client: Client) -> None:
    html = client.get("/").content.decode()
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', html)


def test_unknown_page_gets_a_chinese_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_anonymous_visitor_to_a_workspace_page_is_sent_to_login(client: Client) -> None:
    response = client.get("/workspace/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/workspace/dashboard/"
