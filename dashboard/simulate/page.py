"""Reading the server's pages as a browser would: forms, their fields and buttons, the PMQ's
items with the pole shown on the left, and the chat's data attributes. Pure: stdlib only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

LEGEND = re.compile(r"Item \d+ of \d+: (.+) or (.+)")
ASKED = re.compile(r"Please choose (\d+) on this row")  # an attention check's instruction


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value)


@dataclass
class Page:
    url: str
    forms: list[Form] = field(default_factory=list)
    data: dict[str, dict[str, str]] = field(default_factory=dict)  # element id -> data-*
    csrf: str = ""
    items: dict[str, str] = field(default_factory=dict)  # PMQ item code -> left pole
    checks: dict[str, int] = field(default_factory=dict)  # attention check -> point asked for

    def form(self, action_part: str) -> Form | None:
        return next((f for f in self.forms if action_part in f.action), None)


class _Reader(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.form: Form | None = None
        self.legend: list[str] | None = None
        self.asked: int | None = None  # the point the current row's instruction asks for
        self.poles: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body" and a.get("hx-headers"):
            self.page.csrf = json.loads(a["hx-headers"]).get("X-CSRFToken", "")
        data = {k[5:]: v or "" for k, v in a.items() if k.startswith("data-")}
        if data and (a.get("id") or a.get("class")):
            self.page.data[a.get("id") or a.get("class")] = data
        if tag == "form":
            action = a.get("hx-post") or a.get("action") or self.page.url
            self.form = Form(action, (a.get("method") or "get").lower())
            self.page.forms.append(self.form)
        elif tag == "input" and self.form is not None and a.get("name"):
            if a.get("type") == "radio":
                if self.asked is not None:
                    self.page.checks.setdefault(a["name"], self.asked)
                elif self.poles and a["name"] not in self.page.items:
                    self.page.items[a["name"]] = self.poles[0]
            else:
                self.form.fields[a["name"]] = a.get("value") or ""
        elif tag == "button" and self.form is not None:
            self.form.buttons.append((a.get("name") or "", a.get("value") or ""))
        elif tag == "legend":
            self.legend = []

    def handle_data(self, data):
        if self.legend is not None:
            self.legend.append(data)
        elif match := ASKED.search(data):
            self.asked = int(match.group(1))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "legend" and self.legend is not None:
            match = LEGEND.search(" ".join("".join(self.legend).split()))
            self.poles = (match.group(1), match.group(2)) if match else None
            self.legend = None
            self.asked = None  # a new row: a check says so after its legend


def read(url: str, html: str) -> Page:
    page = Page(url)
    _Reader(page).feed(html)
    if not page.csrf:
        page.csrf = next(
            (
                f.fields["csrfmiddlewaretoken"]
                for f in page.forms
                if "csrfmiddlewaretoken" in f.fields
            ),
            "",
        )
    return page
