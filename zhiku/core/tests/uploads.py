"""Test files for uploads: small real PDFs, JPEGs and PNGs, and the hostile ones."""

from __future__ import annotations

import io
import zlib


def pdf_bytes(*, extra_objects: tuple[bytes, ...] = (), text: str = "Zhiku test") -> bytes:
    """Return a small, valid one-page PDF; ``extra_objects`` are added as objects 5, 6, …"""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def pdf_with_script() -> bytes:
    """A PDF that runs JavaScript when opened."""
    return pdf_bytes(
        extra_objects=(b"<< /Type /Action /S /JavaScript /JS (app.alert('x')) >>",),
    )


def pdf_with_escaped_script() -> bytes:
    """The same, with the names spelt through #xx escapes."""
    return pdf_bytes(extra_objects=(b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert(1)) >>",))


def pdf_with_script_in_object_stream() -> bytes:
    """The script hidden in a compressed object stream, where a plain text search cannot see it."""
    inner = zlib.compress(b"6 0 << /S /JavaScript /JS (app.alert(2)) >>")
    return pdf_bytes(
        extra_objects=(
            b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
            + str(len(inner)).encode()
            + b" >>\nstream\n"
            + inner
            + b"\nendstream",
        )
    )


def pdf_with_embedded_file() -> bytes:
    return pdf_bytes(
        extra_objects=(b"<< /Type /EmbeddedFile /Length 3 >>\nstream\nabc\nendstream",),
    )


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format=kind)
    return out.getvalue()


def executable_bytes() -> bytes:
    """The start of a Windows executable (what a renamed .exe holds)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def multipart(
    files: dict[str, tuple[str, bytes, str]], fields: dict[str, str] | None = None
) -> tuple[bytes, str]:
    """Return a multipart body written by hand (file names exactly as given) and its content type."""
    boundary = "ZhikuTestBoundary7MA4YWxkTrZu0gW"
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, (filename, data, content_type) in files.items():
        out.write(f"--{boundary}\r\n".encode())
        out.write(
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode()
        )
        out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"
