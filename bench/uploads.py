"""名单上传的内存基准：每种文件在单独的子进程中按后台任务的方式导入，打印该进程的内存峰值。

What the worker costs on the files the import must survive: the compressed bomb as found (200 MB
of empty <row/> elements in about 300 KB), a single 200 MB shared string, a valid roster of
20,000 rows (and its activation e-mails), the same roster wrong in every row (the marked copy is
written), and files at each limit the archive checks let through. Each runs in a fresh Python
process with its own throwaway SQLite database, as ``manage.py db_worker`` would run it; the
peak is the process's resident set (VmHWM, reset after Django is set up, so the figure is the
worker's: Django, the import and the file). Target: every peak ≤ 300 MB. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MB = 300.0
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _bench_experts() -> ModuleType:
    """bench/experts.py: its throwaway database and its roster writer."""
    spec = importlib.util.spec_from_file_location(
        "bench_experts", Path(__file__).with_name("experts.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：")


CASES: dict[str, str] = {
    "bomb-rows": "压缩炸弹：200 MB 的空行 <row/>",
    "bomb-string": "一个 200 MB 的共享字符串",
    "valid": "有效名单",
    "all-wrong": "每行都有错误的名单（写出标错文件）",
    "limit-rows": "读取上限：100000 个空行、无尺寸声明",
    "limit-strings": "读取上限：300000 个共享字符串，约 28 MB",
    "limit-styles": "读取上限：样式表 50000 个元素",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/uploads.py",
        description=(
            "名单上传的内存基准：每种文件在单独的子进程中按后台任务的方式导入（各用一个临时 SQLite "
            f"数据库），打印该进程的内存峰值。目标：每种文件 ≤ {TARGET_MB:.0f} MB。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument(
        "--rows",
        type=int,
        default=20_000,
        metavar="M",
        help="有效名单的数据行数（默认 %(default)s）",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="CASE,…",
        help="只测这些文件（逗号分隔）：" + "、".join(CASES),
    )
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    return parser


# --- files ----------------------------------------------------------------------------------


def workbook_of(sheet: Iterator[bytes], strings: Iterator[bytes] | None = None) -> bytes:
    """Write a minimal .xlsx whose sheet (and shared strings) stream from the given chunks."""
    out = io.BytesIO()
    rels = b"http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/vnd.'
            b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            b'"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/'
            b'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            b'<?xml version="1.0"?><Relationships xmlns="' + rels + b'"><Relationship Id="rId1" '
            b'Type="' + REL + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            b'<?xml version="1.0"?><workbook xmlns="' + MAIN + b'" xmlns:r="' + REL + b'"><sheets>'
            b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<?xml version="1.0"?><Relationships xmlns="' + rels + b'"><Relationship Id="rId1" '
            b'Type="' + REL + b'/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
            b'Id="rId2" Type="' + REL + b'/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>",
        )
        for name, chunks in (
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", strings),
        ):
            if chunks is None:  # the part the content types promise, empty
                chunks = iter([b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'"/>'])
            with z.open(name, "w", force_zip64=True) as f:
                for chunk in chunks:
                    f.write(chunk)
    return out.getvalue()


def _sheet(rows: Iterator[bytes]) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><worksheet xmlns="' + MAIN + b'"><sheetData>'
    yield from rows
    yield b"</sheetData></worksheet>"


def _strings(texts: Iterator[bytes], before: Iterable[bytes] = ()) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'">'
    yield from before  # raw markup streamed as it is
    for text in texts:
        yield b"<si><t>" + text + b"</t></si>"
    yield b"</sst>"


def _replace(content: bytes, part: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == part else source.read(info))
    return out.getvalue()


def write_case(case: str, path: Path, rows: int) -> None:
    """Write the file of ``case`` to ``path``."""
    if case == "bomb-rows":
        chunk = b"<row/>" * (1 << 20)
        path.write_bytes(workbook_of(_sheet(iter([chunk] * 33))))
    elif case == "bomb-string":
        text = iter([b"<si><t>", *[b"A" * (1 << 20)] * 200, b"</t></si>"])
        path.write_bytes(workbook_of(_sheet(iter([])), _strings(iter([]), before=text)))
    elif case in ("valid", "all-wrong", "limit-styles"):
        _bench_experts().write_roster(path, rows if case != "limit-styles" else 10)
        if case == "all-wrong":
            from openpyxl import load_workbook

            wb = load_workbook(path)
            ws = wb.worksheets[0]
            for r in range(2, ws.max_row + 1):
                ws.cell(row=r, column=5, value="123")  # 证件号码
            wb.save(path)
        if case == "limit-styles":
            xfs = b"".join(
                b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"/>' % (n % 160)
                for n in range(49_990)
            )
            styles = (
                b'<?xml version="1.0"?><styleSheet xmlns="'
                + MAIN
                + b'"><cellXfs count="49990">'
                + xfs
                + b"</cellXfs></styleSheet>"
            )
            path.write_bytes(_replace(path.read_bytes(), "xl/styles.xml", styles))
    elif case == "limit-rows":
        path.write_bytes(workbook_of(_sheet(iter([b"<row/>" * 99_999]))))
    elif case == "limit-strings":
        texts = (b"%080x" % (n * 2_654_435_761 % (1 << 128)) for n in range(300_000))
        path.write_bytes(workbook_of(_sheet(iter([])), _strings(texts)))
    else:
        raise ValueError(case)


# --- the child: one import, as the worker runs it -------------------------------------------


def _rss(field: str) -> float:
    """Return a field of /proc/self/status in MB (VmRSS now, VmHWM the peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start the peak afresh (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def import_as_worker(path: Path, *, send_emails: bool) -> dict[str, Any]:
    """Import ``path`` through import_job_run on the database Django is set up with."""
    from django.conf import settings
    from django.utils import timezone

    from zhiku.accounts.models import Right
    from zhiku.accounts.tests.factories import make_account
    from zhiku.experts.models import ImportJob
    from zhiku.experts.services import import_job_run, import_job_send_activations

    actor = make_account(
        "staff", username=f"bench-{path.stem}", rights=(Right.REVIEW_APPLICATIONS,)
    )
    stored = Path(settings.MEDIA_ROOT) / "imports" / path.name
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, stored)
    job = ImportJob.objects.create(
        created_by=actor,
        created_at=timezone.now(),
        file_name=path.name,
        stored_file=f"imports/{path.name}",
        admit_on=timezone.localdate(),
    )
    baseline = _rss("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    job = import_job_run(job=job)
    result: dict[str, Any] = {
        "baseline_mb": baseline,
        "peak_mb": _rss("VmHWM"),
        "seconds": time.perf_counter() - start,
        "status": str(job.get_status_display()),
        "created": job.created_count,
        "message": job.message,
    }
    if send_emails and job.account_count:
        _reset_peak()
        start = time.perf_counter()
        job = import_job_send_activations(job=job)
        result["emails"] = job.activation_emails.filter(status="sent").count()
        result["emails_peak_mb"] = _rss("VmHWM")
        result["emails_seconds"] = time.perf_counter() - start
    return result


def child(case: str, file: str) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-upload-"))
    try:
        drop = _bench_experts()._own_database(workdir)
        from django.conf import settings

        # Mail goes nowhere: the locmem outbox would keep every message in this process.
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        try:
            result = import_as_worker(Path(file), send_emails=case == "valid")
        finally:
            drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))
    return 0


# --- the parent -----------------------------------------------------------------------------


def measure(case: str, path: Path) -> dict[str, Any]:
    """Run ``case`` in a fresh process and return what it reports."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), "--child", case, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(
    case: str, label: str, path: Path, result: dict[str, Any], out: Callable[[str], None]
) -> float:
    size = path.stat().st_size
    if "error" in result:
        out(f"{label}（{size / 1024:.0f} KB）：子进程出错 {result['error']}")
        return float("inf")
    line = (
        f"{label}（{size / 1024:.0f} KB）：{result['status']}"
        + (f"，导入 {result['created']} 人" if result["created"] else "")
        + f"；峰值 {result['peak_mb']:.0f} MB（Django 基线 {result['baseline_mb']:.0f} MB），"
        f"{result['seconds']:.1f} s"
    )
    out(line)
    peak = float(result["peak_mb"])
    if "emails" in result:
        out(
            f"  发送激活邮件 {result['emails']} 封：峰值 {result['emails_peak_mb']:.0f} MB，"
            f"{result['emails_seconds']:.1f} s"
        )
        peak = max(peak, float(result["emails_peak_mb"]))
    if result["status"] != "已导入":
        out(f"  说明：{result['message'][:120]}")
    return peak


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.child:
        return child(*args.child)
    chosen = [c for c in args.only.split(",") if c] or list(CASES)
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        build_parser().error("未知的文件：" + "、".join(unknown))
    # The roster writer speaks Django (the template's headers); the parent needs no database.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiku.test_settings")
    import django

    django.setup()
    out = print
    out(f"每种文件在单独的子进程中导入（后台任务的做法），内存峰值目标 ≤ {TARGET_MB:.0f} MB")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="zhiku-bench-uploads-") as tmp:
        for case in chosen:
            path = Path(tmp) / f"{case}.xlsx"
            write_case(case, path, args.rows)
            label = CASES[case] + (f" {args.rows} 行" if case in ("valid", "all-wrong") else "")
            worst = max(worst, report(case, label, path, measure(case, path), out))
    met = "达标" if worst <= TARGET_MB else "未达标"
    out(f"目标 每种文件的内存峰值 ≤ {TARGET_MB:.0f} MB：最高 {worst:.0f} MB，{met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
