"""No input reaches a server error (issue 24). Every URL the resolver knows (but Django's
admin and sign-in) is asked, by a signed-in researcher, a participant and a visitor, first
with a battery of known-bad values in every field at once (ids too big for a database,
5,000 digits, NUL, other scripts, lists), then with generated paths, query strings, form
fields and JSON bodies; no answer may be a 500 or the server error page.

Nothing is listed by hand that the code already says: the URLs come from the resolver and the
form fields from the pages themselves, so a new page or field is covered without touching
this file. Each request runs in a savepoint that is rolled back, so one that succeeds (a
withdrawal, a publication, a sign-out) cannot hide the pages behind it from the next.
"""

from __future__ import annotations

import itertools
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chat.models import Revision
from chat.services import session_open
from dashboard import pilots
from dashboard.models import RatingItem, RatingSample
from studies import session_keys
from tests.base import DyadTestCase

GENERATED_PER_URL = 4  # besides the battery: the whole test runs in about 30 s (embedded)
WHO = ["researcher", "participant", "visitor"]
# Django's own admin and sign-in (the sign-in is throttled, see its own tests); a redirect.
SKIPPED = ("admin/", "accounts/", "favicon.ico")
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
FIELD = re.compile(r'\sname="([^"]+)"')
# Names views read that no page shows as a field (links, htmx, recruitment parameters).
READ_BY_VIEWS = [
    "PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "pilot", "ids", "version", "from", "to",
    "decision", "choice", "target", "value", "remove", "text", "paused", "back", "wizard",
    "condition", "code", "confirm_new_version", "source", "next", "item",
]  # fmt: skip

NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "-1", "1e9", "NaN", "inf", "1.5", "٣", "²", "0x10", "9" * 5000]),
    st.sampled_from(["2147483648", "9223372036854775808", "1" * 26]),
)
WORDS = st.sampled_from(
    ["", "all", "pre", "post", "agree", "decline", "accept", "reject", "1", "study:pilot",
     "starter:demo", "persona.name", "common_ground", "P-AAAA2222", "\x00"]
)  # fmt: skip
HOSTILE = st.one_of(
    NUMBERS,
    WORDS,
    st.text(max_size=30),  # any script, controls and NUL included
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(["x", "é", "中", "\x00", "9,"]),
        st.integers(1000, 20000),
    ),
)
# Sent to every field of every page at once, each time: what broke Dyad before, and kin.
BATTERY = ["1" * 26, "9" * 5000, "-1", "\x00", ["٣", "中" * 20000]]
UPLOADS_BATTERY = b"[" * 100_000  # JSON nested too deep to parse
UPLOADS = (
    st.sampled_from([UPLOADS_BATTERY, b"\xff\xfe\x00", b'{"spec": "chara_card_v2"}']) | st.binary()
)
VALUES = st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route the resolver knows, includes walked, as one string each."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED):
            continue
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def fill(route: str, values: dict[str, str]) -> str:
    """The route with each ``<kind:name>`` replaced by its value, quoted."""
    return "/" + CONVERTER.sub(lambda m: quote(values[m["name"]], safe=""), route)


def body_of(response) -> str:
    """A page's text. Not a download's: its status is decided before it streams (from its
    own thread and database connection, which this test's transaction hides the data from)."""
    if response.streaming:
        return ""
    return response.content.decode(errors="replace")


class HostileInputTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        talk = self.published_study("talk", {"open": {"panel_visibility": "editable"}})
        self.carl = talk.participants.create(  # carl: in the chat
            condition=talk.conditions.get(), consented_at=self.ana.consented_at
        )
        self.session = session_open(participant=self.carl, number=1)
        self.revision = Revision.objects.filter(identity__participant=self.carl).first()
        quiz = self.published_study(
            "quiz", {"open": {}}, comprehension_question="Which?",
            comprehension_choices="One\nTwo", comprehension_answer=2,
        )  # fmt: skip
        self.dora = quiz.participants.create(  # dora: at the comprehension question
            condition=quiz.conditions.get(), consented_at=self.ana.consented_at
        )
        for study in (talk, quiz):
            study.owners.add(self.rita)
        self.run = pilots.pilot_create(
            study=self.pilot, participants=2, concurrency=1, base_url="http://testserver"
        )
        rated = RatingSample.objects.create(study=talk, seed=1, size=1, pool=1)
        RatingItem.objects.create(sample=rated, position=1, message=self.session.messages.first())
        # Path values that exist, so that the views behind a valid path get hostile fields too.
        self.real = {
            "slug": ["pilot", "talk", "quiz"],
            "int": ["1", str(self.session.pk), str(self.revision.pk), str(self.run.pk)]
            + [str(rated.pk)],
            "str": ["pre", "post", "sessions.csv"],
            "path": ["partners/" + "0" * 64 + ".png"],  # a picture's name (none stored)
        }
        self.clients = {who: self.browser(who) for who in WHO}

    def browser(self, who: str) -> Client:
        client = Client()
        if who == "researcher":
            client.force_login(self.rita)
        elif who == "participant":  # ana at the questionnaire, carl in the chat, dora at the quiz
            session = client.session
            for participant in (self.ana, self.carl, self.dora):
                session_keys.remember(session, participant.study_id, participant.pk)
            session.save()
        return client  # or a visitor, new to every study

    def ask(self, who: str, method: str, path: str, fields: dict, body=None, uploads=None):
        """One request, undone afterwards (cookies too: a sign-out must not last). A POST sends
        ``fields`` in its query string and its form, with ``uploads`` (name -> bytes) as files,
        or else the JSON ``body``."""
        client = self.clients[who]
        cookies = SimpleCookie()
        cookies.update(client.cookies)  # the client replaces its cookies in place
        with transaction.atomic():
            if method == "get":
                response = client.get(path, fields)
            elif body is None:
                files = {k: SimpleUploadedFile(f"{k}.json", v) for k, v in (uploads or {}).items()}
                query = urlencode(fields, doseq=True)
                response = client.post(f"{path}?{query}", fields | files)
            else:
                response = client.post(path, json.dumps(body), content_type="application/json")
            transaction.set_rollback(True)
        client.cookies = cookies
        return response

    def live_path(self, route: str, who: str) -> str | None:
        """A path of real values whose view runs for ``who`` (not a 404, not sent elsewhere),
        else any that is found; None if the route only sends them to sign in."""
        names = [m["name"] for m in CONVERTER.finditer(route)]
        kinds = [self.real[m["kind"] or "str"] for m in CONVERTER.finditer(route)]
        paths = [
            fill(route, dict(zip(names, values, strict=True)))
            for values in itertools.product(*kinds)
        ]
        found = None
        for path in paths:
            response = self.ask(who, "get", path, {})
            if response.status_code == 405:
                response = self.ask(who, "post", path, {})
            if response.status_code < 300:
                return path
            if (
                response.url.startswith(django_settings.LOGIN_URL)
                if response.status_code == 302
                else False
            ):
                return None
            if found is None and response.status_code != 404:
                found = path
        return found or paths[0]

    def field_names(self, who: str, path: str) -> list[str]:
        """The names of the fields the page shows, and the names views read."""
        page = body_of(self.ask(who, "get", path, {}))
        return sorted((set(FIELD.findall(page)) | set(READ_BY_VIEWS)) - {"csrfmiddlewaretoken"})

    def path_values(self, route: str):
        """A strategy of values for the route's converters: real ones, or hostile ones."""
        hostile = {
            "slug": st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True),
            "int": NUMBERS.filter(str.isdigit),
        }
        kinds = {m["name"]: m["kind"] or "str" for m in CONVERTER.finditer(route)}
        return st.fixed_dictionaries(
            {
                name: st.sampled_from(self.real[kind]) | hostile.get(kind, HOSTILE)
                for name, kind in kinds.items()
            }
        )

    def test_no_page_answers_a_server_error_whatever_it_is_sent(self):
        found = routes()
        assert "dashboard/studies/<slug:slug>/live/rows/" in found  # the walk reached them
        for route in found:
            for who in self.who_may_ask(route):
                path = self.live_path(route, who)
                if path is not None:
                    self.drive(route, who, path, self.field_names(who, path))

    def who_may_ask(self, route: str) -> list[str]:
        """Everyone; but the researcher only where a visitor is sent to sign in (elsewhere
        the researcher's requests are a visitor's)."""
        return WHO if self.live_path(route, "visitor") is None else ["participant", "visitor"]

    def drive(self, route: str, who: str, path: str, names: list[str]) -> None:
        """Ask the route as ``who``: the battery on every field of ``path`` at once, then
        generated paths, fields (any of ``names``, and others) and bodies."""
        fields = st.builds(
            dict.__or__,
            st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUES)),
            st.dictionaries(st.text(max_size=10), VALUES, max_size=2),
        )

        @settings(
            max_examples=GENERATED_PER_URL,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            path=self.path_values(route).map(lambda values: fill(route, values)),
            fields=fields,
            body=st.none() | JSON,
            uploads=st.dictionaries(st.sampled_from(names), UPLOADS, max_size=1),
        )
        def check(path, fields, body, uploads):
            for method in ("get", "post"):
                response = self.ask(who, method, path, fields, body, uploads)
                assert response.status_code < 500, (who, method, path, response.status_code)
                assert "<title>Something went wrong</title>" not in body_of(response)  # 500.html

        for value in BATTERY:
            check = example(path, dict.fromkeys(names, value), None, {})(check)
        check = example(path, {}, None, dict.fromkeys(names, UPLOADS_BATTERY))(check)
        kinds = {m["name"]: m["kind"] or "str" for m in CONVERTER.finditer(route)}
        if "int" in kinds.values():  # ids too big for any database integer
            huge = {
                name: "9" * 26 if kind == "int" else self.real[kind][0]
                for name, kind in kinds.items()
            }
            check = example(fill(route, huge), {}, None, {})(check)
        check()
