"""PDF documents: real PDFs with the embedded Chinese font, readable by pdftotext."""

from __future__ import annotations

from pathlib import Path

from django.template import engines

from zhiku.core.documents import render_pdf
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text


def test_a_document_is_a_pdf_with_an_embedded_cjk_font_and_its_text(tmp_path: Path) -> None:
    (tmp_path / "letter.html").write_text(
        '{% extends "documents/base.html" %}{% block content %}<h1>入库通知书</h1>'
        "<p>郑博文 先生：您已入库。</p>{% endblock %}",
        encoding="utf-8",
    )
    engine = engines["django"].engine  # type: ignore[attr-defined]
    engine.dirs = [*engine.dirs, str(tmp_path)]
    try:
        pdf = render_pdf("letter.html", {})
    finally:
        engine.dirs = engine.dirs[:-1]

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "入库通知书" in text and "郑博文" in text
    assert "广东省质量发展促进会" in text
    assert "第 1 页，共 1 页" in text
    fonts = pdf_embedded_cjk_fonts(pdf)
    assert any("Noto-Serif-CJK-SC" in name for name in fonts), fonts
