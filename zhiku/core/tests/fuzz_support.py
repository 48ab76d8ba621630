"""What the fuzz tests need: the site's forms read from its pages, and values to fill them with.

The forms are found the way a person finds them: sign in, follow every link within the site
(one page per address shape), and read each ``<form>`` from the HTML — its method, action,
encoding and fields, with the options of its lists. Nothing is declared by hand, so a new form
is fuzzed as soon as a page links to it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.test import Client

# Text inputs read as their kind of value; the rest of <input> types are text.
VALUE_KINDS = {"number", "date", "datetime-local", "time", "month", "email", "tel", "url"}
SKIPPED_INPUTS = {"submit", "button", "image", "reset"}


@dataclass
class Field:
    """One named control of a form: what kind of value it takes and what the page offers."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, hidden, password, number, date…
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    checked: bool = False


@dataclass
class Form:
    """A form as the page offers it, and the page it was found on."""

    page: str
    method: str
    action: str
    enctype: str
    fields: list[Field] = field(default_factory=list)
    # Named submit buttons: (name, value); a form may be sent by any of them, or by none.
    buttons: list[tuple[str, str]] = field(default_factory=list)
    htmx: bool = False

    @property
    def multipart(self) -> bool:
        return self.enctype == "multipart/form-data" or any(f.kind == "file" for f in self.fields)

    def key(self) -> tuple[str, str, str, tuple[str, ...]]:
        """Forms of one shape (same target shape and fields) are fuzzed once."""
        names = tuple(sorted({f.name for f in self.fields} | {b[0] for b in self.buttons}))
        return (self.method, shape(self.action), str(self.htmx), names)

    def label(self) -> str:
        return f"{self.method.upper()} {self.action}{' (htmx)' if self.htmx else ''}"


class _FormParser(HTMLParser):
    """Collect the forms of one HTML page with their controls (stdlib parser, no dependency)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._stack: list[Form] = []
        self._select: Field | None = None
        self._option: str | None = None
        self._option_text = ""
        self._textarea: Field | None = None
        self._radios: dict[tuple[int, str], Field] = {}
        self._checkboxes: dict[tuple[int, str], Field] = {}

    @property
    def _form(self) -> Form | None:
        return self._stack[-1] if self._stack else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = (a.get("method") or "get").lower()
            action = urljoin(self.page, a.get("action") or self.page)
            opened = Form(self.page, method, action, a.get("enctype", ""))
            self._stack.append(opened)
            self.forms.append(opened)
            if a.get("hx-post") and urljoin(self.page, a["hx-post"]) != action:
                # The same controls sent by htmx to another address (an autosave, say).
                self.forms.append(
                    Form(self.page, "post", urljoin(self.page, a["hx-post"]), opened.enctype)
                )
                self.forms[-1].htmx = True
                self.forms[-1].fields = opened.fields  # shared: filled as the parse goes on
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS:
                if name:
                    form.buttons.append((name, a.get("value", "")))
                return
            if kind == "radio":
                group = self._radios.get((id(form), name))
                if group is None:
                    group = self._radios[(id(form), name)] = Field(name, "radio")
                    form.fields.append(group)
                group.options.append(a.get("value", "on"))
                if "checked" in a:
                    group.value = a.get("value", "on")
                return
            if kind == "checkbox":
                box = self._checkboxes.get((id(form), name))
                if box is None:
                    box = self._checkboxes[(id(form), name)] = Field(name, "checkbox")
                    form.fields.append(box)
                box.options.append(a.get("value", "on"))
                box.multiple = len(box.options) > 1
                box.checked = box.checked or "checked" in a
                return
            form.fields.append(Field(name, kind, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea")
            form.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = Field(name, "select", multiple="multiple" in a)
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            self._option_text = ""
            if "selected" in a:
                self._select.checked = True
                self._select.value = a.get("value", "")
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._stack:
            self._stack.pop()
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._select is not None:
            value = self._option if self._option is not None else self._option_text.strip()
            self._select.options.append(value)
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._select is not None:
            self._option_text += data


def forms_of(page: str, html: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


def shape(url: str) -> str:
    """The address with its numbers and query values blanked: one page stands for its kind."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    path = re.sub(r"\d+", "N", parts.path)
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "U", path)
    return path + ("?" + "&".join(keys) if keys else "")


_HREF = re.compile(r"""<a\b[^>]*?\bhref=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def links_of(page: str, html: str) -> Iterator[str]:
    """Addresses within the site that ``html`` links to (no static files, no fragments)."""
    for match in _HREF.finditer(html):
        href = (match.group(1) or match.group(2) or "").replace("&amp;", "&")
        url, _fragment = urldefrag(urljoin(page, href))
        parts = urlsplit(url)
        if parts.scheme and parts.netloc != "testserver":
            continue
        if not parts.path.startswith("/") or parts.path.startswith("/static/"):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Crawl:
    pages: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def crawl(client: Client, starts: list[str], *, per_shape: int = 1, max_pages: int = 1000) -> Crawl:
    """Visit up to ``per_shape`` pages of each shape reachable from ``starts`` by GET."""
    found = Crawl()
    queue: deque[str] = deque(starts)
    visited: set[str] = set()
    shapes: dict[str, int] = {}
    keys: set[Any] = set()
    while queue and len(found.pages) < max_pages:
        url = queue.popleft()
        if url in visited or shapes.get(shape(url), 0) >= per_shape:
            continue
        visited.add(url)
        shapes[shape(url)] = shapes.get(shape(url), 0) + 1
        response = client.get(url, follow=True)
        if response.status_code >= 500:
            found.errors.append(f"GET {url}: {response.status_code}")
        if "text/html" not in response.get("Content-Type", ""):
            continue
        final = response.request["PATH_INFO"]
        query = response.request.get("QUERY_STRING", "")
        here = final + (f"?{query}" if query else "")
        if here != url:
            visited.add(here)
            shapes[shape(here)] = shapes.get(shape(here), 0) + 1
        found.pages.append(here)
        html = response.content.decode("utf-8", "replace")
        for form in forms_of("http://testserver" + here, html):
            if form.key() not in keys:
                keys.add(form.key())
                found.forms.append(form)
        queue.extend(links_of("http://testserver" + here, html))
    return found
