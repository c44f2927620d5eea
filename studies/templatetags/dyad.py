from __future__ import annotations

import functools

import markdown as md
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """Researcher-written Markdown as HTML, with scripts, handlers and styles removed."""
    return mark_safe(_markdown(text or ""))


@functools.lru_cache(maxsize=256)
def _markdown(text: str) -> str:
    # A study's consent, instructions and debrief are the same on every participant's page:
    # each is converted once per process, not on every page (about 0.5 ms each).
    return nh3.clean(md.markdown(text, extensions=["sane_lists"]))


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


@register.filter
def pretty_json(value) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)
