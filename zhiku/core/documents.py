"""Documents people print, sign and keep: PDFs rendered from templates with WeasyPrint.

Every letter, notice, certificate, sheet and dossier extends ``documents/base.html``: A4, the
association's header, Chinese fonts named "Noto Serif CJK SC" / "Noto Sans CJK SC" (Debian's
fonts-noto-cjk, embedded as subsets; without libharfbuzz-subset0 a page takes ~10 s), page
numbers, ``lang="zh-CN"``, and the date and time it was produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

PDF_CONTENT_TYPE = "application/pdf"


def render_pdf(
    template: str, context: Mapping[str, Any], *, produced_at: datetime | None = None
) -> bytes:
    """Render ``template`` (which extends ``documents/base.html``) to PDF bytes."""
    from weasyprint import HTML

    html = render_to_string(
        template,
        {
            "site": settings.ZHIKU_SITE,
            "produced_at": timezone.localtime(produced_at or timezone.now()),
            **context,
        },
    )
    # No base URL: a document may not fetch anything, from the network or the disk.
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    raise ValueError(f"documents fetch nothing: {url}")
