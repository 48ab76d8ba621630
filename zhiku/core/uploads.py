"""Uploaded documents done properly: typed by content, bounded, renamed, encrypted, served on purpose.

Every app that takes files from people (applications, objections, exit cases, training
materials) stores them through :func:`stored_file_create`:

- **Type from the content**, never the name: PDF, JPEG or PNG only, each checked for its
  structure (Pillow opens and verifies images; a PDF must be whole, unencrypted and free of
  JavaScript, launch actions, embedded files and forms that run code — also inside compressed
  object streams, and whatever ``#xx`` escapes spell the names).
- **Bounded**: at most ``ZHIKU_UPLOAD_MAX_FILE_MB`` per file (an app may pass a smaller
  limit, e.g. what is left of an application's total); reading stops at the limit.
- **Names never trusted**: a name with path parts is refused (read from the request as the
  browser sent it, before Django strips them: :class:`UnsafeNameWatcher`); the file is kept
  under a random name, the original only as display text, cleaned, with the extension of its
  real type.
- **Encrypted at rest** with the keys of ``ZHIKU_FIELD_KEYS`` (``zhiku.core.crypto``), in the
  ``uploads`` storage (``zhiku.core.files``): ``ZHIKU_UPLOAD_ROOT`` on local disk, outside
  anything served (there is no ``MEDIA_URL``), or a private S3 bucket shared by every server.
- **Served on purpose**: an app's view checks its own rule (and audits the view), then returns
  :func:`stored_file_response`, which decrypts as it streams.

Nothing is stored when a check fails: the checks run on the bytes in memory before anything is
written.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import posixpath
import re
import unicodedata
import uuid
import warnings
import zlib
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any
from urllib.parse import unquote

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiku.core import files
from zhiku.core.errors import DomainError
from zhiku.core.models import StoredFile

ALLOWED_TEXT = "PDF、JPEG、PNG"
EXTENSIONS = {
    StoredFile.Kind.PDF: ".pdf",
    StoredFile.Kind.JPEG: ".jpg",
    StoredFile.Kind.PNG: ".png",
}
KNOWN_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".jpe"}
MAX_NAME_LENGTH = 100


class UploadRefused(DomainError):
    """An upload that is not accepted, with what to do instead."""


def max_file_bytes() -> int:
    return int(settings.ZHIKU_UPLOAD_MAX_FILE_MB) * 1024 * 1024


def megabytes(size: int) -> str:
    """Return ``size`` bytes as people read it: 10 MB, 1.5 MB, 300 KB."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    return f"{round(size / 1024)} KB" if size == 0 else f"{max(1, round(size / 1024))} KB"


# --- names ---------------------------------------------------------------------------------


def has_path_parts(name: str) -> bool:
    """Return whether a file name as sent names a path rather than a file."""
    decoded = html.unescape(unquote(name))
    return (
        "/" in decoded
        or "\\" in decoded
        or decoded.strip() in {".", ".."}
        or re.match(r"^[A-Za-z]:", decoded) is not None
    )


def display_name(name: str, kind: str) -> str:
    """Return ``name`` fit to show: printable, trimmed, with the extension of its real type."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if ch.isprintable() and ch not in '<>:"|?*')
    text = re.sub(r"\s+", " ", text).strip(" .")
    stem, ext = os.path.splitext(text)
    if ext.lower() not in KNOWN_EXTENSIONS:
        stem = text
    stem = stem.strip(" .") or _("文件")
    extension = EXTENSIONS[StoredFile.Kind(kind)]
    return stem[: MAX_NAME_LENGTH - len(extension)] + extension


# --- content -------------------------------------------------------------------------------

# Names that make a PDF do something by itself: run script, start a program, carry other files,
# or fill an XML form that may run script.
_PDF_ACTIVE_NAMES = {
    "JavaScript",
    "JS",
    "Launch",
    "EmbeddedFile",
    "EmbeddedFiles",
    "RichMedia",
    "XFA",
    "ImportData",
    "SubmitForm",
    "GoToE",
}
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PDF_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
# What decompressing the object streams of one PDF may cost at most.
_PDF_INFLATE_BUDGET = 64 * 1024 * 1024


def _pdf_names(data: bytes) -> set[str]:
    names = set()
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        if b"#" in raw:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add(raw.decode("latin-1"))
    return names


def _pdf_object_streams(data: bytes) -> Iterator[bytes]:
    """Yield the decompressed content of every object stream (/Type /ObjStm)."""
    budget = _PDF_INFLATE_BUDGET
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        objects = list(_PDF_OBJ.finditer(data, max(0, match.start() - 4096), match.start()))
        head = data[objects[-1].end() if objects else max(0, match.start() - 4096) : match.start()]
        if b"ObjStm" not in head.replace(b"#", b""):
            continue
        end = data.find(b"endstream", start)
        if end < 0:
            raise UploadRefused(_("PDF 文件结构不完整，请重新导出或扫描后上传。"))
        body = data[start:end]
        names = _pdf_names(head)
        filters = {n for n in names if n.endswith("Decode")}
        if filters - {"FlateDecode"}:
            raise UploadRefused(
                _("PDF 使用了无法检查的压缩方式，请用“打印为 PDF”或扫描软件重新生成后上传。")
            )
        if not filters:
            yield body
            continue
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(body, budget + 1)
        except zlib.error:
            raise UploadRefused(_("PDF 文件已损坏，无法读取，请重新生成后上传。")) from None
        budget -= len(out)
        if budget < 0:
            raise UploadRefused(_("PDF 文件结构过于复杂，无法检查，请重新生成后上传。"))
        yield out


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRefused(_("PDF 文件不完整（缺少文件结尾），请重新导出或扫描后上传。"))
    names = _pdf_names(data)
    if "Encrypt" in names:
        raise UploadRefused(_("PDF 文件设置了密码或加密，请上传未加密的 PDF。"))
    for inner in _pdf_object_streams(data):
        names |= _pdf_names(inner)
    active = sorted(names & _PDF_ACTIVE_NAMES)
    if active:
        raise UploadRefused(
            _(
                "PDF 文件含有脚本、启动程序、嵌入文件或交互表单（%(what)s），不能接收。"
                "请用“打印为 PDF”或扫描件重新生成后上传。"
            )
            % {"what": "、".join(active)}
        )


def _check_image(data: bytes, kind: str) -> None:
    from PIL import Image

    expected = {StoredFile.Kind.JPEG: "JPEG", StoredFile.Kind.PNG: "PNG"}[StoredFile.Kind(kind)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                found = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(_("图片尺寸过大，请缩小后上传。")) from None
    except Exception:
        raise UploadRefused(
            _("图片文件已损坏或不完整，无法打开，请重新拍摄或扫描后上传。")
        ) from None
    if found != expected:
        raise UploadRefused(_("图片内容与其格式不符，请重新保存为 JPEG 或 PNG 后上传。"))


def sniff(data: bytes) -> str:
    """Return the kind of ``data`` read from its content, or raise UploadRefused saying why."""
    if not data:
        raise UploadRefused(_("文件是空的，请重新选择。"))
    if data.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        raise UploadRefused(
            _(
                "该文件是可执行程序或脚本，不能上传。只接收 %(types)s 文件（按文件内容判断，与文件名无关）。"
            )
            % {"types": ALLOWED_TEXT}
        )
    if re.match(rb"%PDF-[12]\.\d", data[:16]):
        _check_pdf(data)
        return StoredFile.Kind.PDF
    if data.startswith(b"\xff\xd8\xff"):
        _check_image(data, StoredFile.Kind.JPEG)
        return StoredFile.Kind.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(data, StoredFile.Kind.PNG)
        return StoredFile.Kind.PNG
    raise UploadRefused(
        _("文件内容不是 %(types)s（按文件内容判断，与文件名无关），请转换后上传。")
        % {"types": ALLOWED_TEXT}
    )


def _too_big(limit: int) -> UploadRefused:
    return UploadRefused(
        _("文件过大：每个文件不超过 %(max)s。请压缩或分页扫描后上传。") % {"max": megabytes(limit)}
    )


def read_bounded(content: bytes | IO[bytes] | Any, limit: int) -> bytes:
    """Return the bytes of an upload, refusing it as soon as it exceeds ``limit`` bytes."""
    if isinstance(content, bytes):
        if len(content) > limit:
            raise _too_big(limit)
        return content
    size = getattr(content, "size", None)
    if size is not None and size > limit:
        raise _too_big(limit)
    if hasattr(content, "chunks"):
        chunks = content.chunks()
    else:
        chunks = iter(lambda: content.read(64 * 1024), b"")
    parts, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise _too_big(limit)
        parts.append(chunk)
    return b"".join(parts)


# --- storing -------------------------------------------------------------------------------


@transaction.atomic
def stored_file_create(
    *,
    name: str,
    content: bytes | IO[bytes] | Any,
    actor: Any,
    purpose: str,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check an upload and store it encrypted; raise UploadRefused (nothing stored) when it fails.

    ``content`` is the upload (Django's ``UploadedFile``, a binary file or bytes); ``max_bytes``
    a limit lower than the per-file one (what is left of an application's total, say).
    """
    if has_path_parts(name):
        raise UploadRefused(
            _("文件名“%(name)s”含有路径，不能接收。请只选择文件本身上传。") % {"name": name[:80]}
        )
    limit = max_file_bytes() if max_bytes is None else min(max_bytes, max_file_bytes())
    if limit <= 0:
        raise UploadRefused(_("上传的材料已达总大小上限，请删除不需要的文件后再上传。"))
    data = read_bounded(content, limit)
    kind = sniff(data)
    stored = StoredFile(
        id=uuid.uuid4(),
        purpose=purpose,
        original_name=display_name(name, kind),
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=timezone.now(),
    )
    files.write_encrypted(files.UPLOADS, stored.relative_path, [data], file_id=stored.id.bytes)
    try:
        stored.save(force_insert=True)
    except BaseException:
        files.delete(files.UPLOADS, stored.relative_path)
        raise
    return stored


class FileRemoved(DomainError):
    """The file's bytes were deleted under a retention rule; only its record remains."""


def stored_file_remove(stored: StoredFile, *, now: Any) -> bool:
    """Delete a stored file's bytes and mark its row removed (a retention rule); the row stays
    as the record of what there was. False when it was removed before (idempotent).

    The bytes go once the caller's transaction commits, so a rollback keeps them.
    """
    if stored.removed_at is not None:
        return False
    StoredFile.objects.filter(pk=stored.pk).update(removed_at=now)
    stored.removed_at = now
    name = stored.relative_path
    transaction.on_commit(lambda: files.delete(files.UPLOADS, name))
    return True


def stored_file_chunks(stored: StoredFile) -> Iterator[bytes]:
    """Yield the plaintext of a stored file, decrypting one chunk at a time."""
    if stored.removed_at is not None:
        raise FileRemoved(
            _("文件“%(name)s”已按个人信息保存期限删除，只保留了记录。")
            % {"name": stored.original_name}
        )
    yield from files.read_decrypted(files.UPLOADS, stored.relative_path, file_id=stored.id.bytes)


def stored_file_bytes(stored: StoredFile) -> bytes:
    """Return the whole plaintext (for small files only: tests, a PDF made from it)."""
    return b"".join(stored_file_chunks(stored))


def stored_file_response(stored: StoredFile, *, inline: bool) -> StreamingHttpResponse:
    """Stream a stored file, decrypted, to a person the caller has checked may see it.

    ``inline`` previews it in the page (an image, or a PDF in a frame of this site only);
    otherwise it downloads. Never cached.
    """
    chunks = stored_file_chunks(stored)
    first = next(chunks)  # fail here, before any header is sent, if the file cannot be read

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    response = StreamingHttpResponse(body(), content_type=stored.content_type)
    response["Content-Length"] = str(stored.size)
    response["Content-Disposition"] = (
        content_disposition_header(not inline, stored.original_name) or ""
    )
    response["Cache-Control"] = "private, no-store"
    if inline:
        # Framed by this site's own pages only (the review page's preview).
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"
        )
    return response


def stored_files_rotate() -> int:
    """Re-encrypt every stored file under the current key; return how many were rewritten.

    Safe to run twice and to interrupt: each file is rewritten to a new name and swapped in.
    """
    count = 0
    for stored in StoredFile.objects.order_by("uploaded_at").iterator():
        if not files.exists(files.UPLOADS, stored.relative_path):
            continue
        files.rotate_encrypted(files.UPLOADS, stored.relative_path)
        count += 1
    return count


def stored_files_orphans(older_than_hours: int = 24) -> list[str]:
    """Return the names of stored files without a row: left by a transaction rolled back after
    writing, or by a write that never finished."""
    known = {f"{pk.hex}.bin" for pk in StoredFile.objects.values_list("id", flat=True)}
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    return [
        name
        for name in files.walk(files.UPLOADS, unfinished=True)
        if posixpath.basename(name) not in known and files.older_than(files.UPLOADS, name, cutoff)
    ]


# --- reading the names the browser sent ----------------------------------------------------

_DISPOSITION = re.compile(
    rb"content-disposition:[^\r\n]*?\bfilename(\*?)\s*=\s*(\"([^\"\r\n]*)\"|([^;\r\n]*))",
    re.IGNORECASE,
)


class _NameWatchingStream:
    """Pass a request body through unchanged, noting file names that carry path parts."""

    def __init__(self, stream: Any, found: list[str]) -> None:
        self._stream = stream
        self._found = found
        self._tail = b""

    def _scan(self, data: bytes) -> None:
        window = self._tail + data
        for match in _DISPOSITION.finditer(window):
            extended, quoted, bare = match.group(1), match.group(3), match.group(4)
            raw = (quoted if quoted is not None else bare or b"").decode("utf-8", "replace")
            if extended:
                raw = unquote(raw.split("'", 2)[-1])
            if raw and has_path_parts(raw) and raw not in self._found:
                self._found.append(raw)
        self._tail = window[-4096:]

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        data: bytes = self._stream.read(*args, **kwargs)
        self._scan(data)
        return data

    def readline(self, *args: Any, **kwargs: Any) -> bytes:
        data: bytes = self._stream.readline(*args, **kwargs)
        self._scan(data)
        return data


class UnsafeNameWatcher(FileUploadHandler):
    """Note, for :func:`unsafe_names`, every uploaded file name sent with path parts.

    Django strips path parts from upload names before any view sees them; a name like
    ``../../etc/cron.d/x.pdf`` would then arrive as ``x.pdf``. Listed first in
    ``FILE_UPLOAD_HANDLERS``, this handler reads the names as sent, so the view can refuse the
    upload instead of storing it under a silently shortened name.
    """

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        found: list[str] = []
        if self.request is not None:
            self.request.zhiku_unsafe_upload_names = found  # type: ignore[attr-defined]
        stream = getattr(input_data, "_stream", None)
        if stream is not None:
            input_data._stream = _NameWatchingStream(stream, found)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def unsafe_names(request: HttpRequest) -> list[str]:
    """Return the file names of this request's upload that were sent with path parts."""
    request.FILES  # noqa: B018 - parse the body first, so the watcher has read the names
    found: list[str] = getattr(request, "zhiku_unsafe_upload_names", [])
    return found
