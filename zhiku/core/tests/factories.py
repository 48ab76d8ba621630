"""Shared test helpers of core: reading generated PDFs as a person (and poppler) would."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def pdf_text(pdf: bytes) -> str:
    """Return the text of a PDF as ``pdftotext`` reads it (poppler-utils)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


def pdf_embedded_cjk_fonts(pdf: bytes) -> list[str]:
    """Return the CJK fonts ``pdffonts`` lists as embedded in a PDF (empty when none is)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
    # Columns: name type encoding emb sub uni object ID
    return [
        line.split()[0]
        for line in listing.splitlines()[2:]
        if "CJK" in line and line.split()[-5] == "yes"
    ]
