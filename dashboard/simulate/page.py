"""Reading the server's pages as a browser would: forms, their fields and buttons, the PMQ's
items with the pole shown on the left (in the instrument's own words, whatever language the
page shows), and the chat's data attributes. Pure: stdlib only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser


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
        self.poles: tuple[str, ...] | None = None  # the PMQ row being read: its left pole
        self.asked: int | None = None  # an attention check: the point its row asks for

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
        elif tag == "fieldset":  # a PMQ row says what it is in data attributes, any language
            self.poles = (a["data-left"],) if a.get("data-left") is not None else None
            self.asked = int(a["data-asked"]) if a.get("data-asked") else None

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "fieldset":
            self.poles = self.asked = None


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
