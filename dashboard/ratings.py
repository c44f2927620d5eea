"""People's ratings of the agent's replies, to validate the measures (docs/data.md,
"Ratings"): a sample drawn with a recorded seed, the same for every rater; answers appended,
never changed, each rater's newest counting; agreement between raters and between each rater
and each automatic measure.

A rater sees a reply, the conversation before it and the identity it was given; never its
condition, its participant or its scores.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from itertools import combinations
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Q

from chat.models import Message
from studies.errors import Refused
from studies.models import Pilot, Study, exported, real, simulated

from . import selectors, validation
from .models import Rating, RatingItem, RatingSample, SessionScore
from .readable import readable
from .stats import Kappa, kappa

MAX_SIZE = 1000
MAX_SEED = 2**31 - 1
CONTEXT = 6  # messages shown before the reply; the earlier ones behind a disclosure
YES, NO, CANT_TELL = Rating.Answer.YES, Rating.Answer.NO, Rating.Answer.CANT_TELL


class RatingError(Refused):
    """A draw or a rating refused; nothing was stored."""


# The automatic measures read as calls on one reply: the drift validation's rules for
# replies (``validation.RULES``), so a reply is "not consistent" by the same rule on both
# pages. ``flag``: True "not consistent", False nothing against it, None no call.
RULES = tuple(rule for rule in validation.RULES if rule.kind == "reply")


def _cohort(pilot: Pilot | None, through: str) -> Q:
    """People, or one pilot's simulated participants; never previews or the withdrawn."""
    who = simulated(through, pilot=pilot.pk) if pilot else real(through)
    return who & exported(through)


def cohort_label(pilot: Pilot | None) -> str:
    return f"pilot {pilot.pk}'s simulated participants" if pilot else "people"


def reply_pool(study: Study, pilot: Pilot | None) -> list[int]:
    """The replies a sample is drawn from: every reply in the newest scoring of the cohort's
    sessions, as message ids ordered by participant code, session and turn."""
    scores = SessionScore.objects.newest().filter(
        _cohort(pilot, "session__participant__"), session__participant__study=study
    )
    keyed = sorted(
        (code, number, r["turn"], r["message_id"])
        for code, number, replies in scores.values_list(
            "session__participant__code", "session__number", "replies"
        )
        for r in replies
    )
    return [message_id for *_, message_id in keyed]


@transaction.atomic
def sample_draw(
    *, study: Study, pilot: Pilot | None, size: int, seed: int | None = None, user=None
) -> RatingSample:
    """Draw ``size`` replies from the pool at random, ``random.Random(seed).sample(pool,
    size)``, with a seed drawn here unless given; the seed and the pool's size are kept."""
    pool = reply_pool(study, pilot)
    if not pool:
        raise RatingError("empty", f"No scored replies of {cohort_label(pilot)} yet.")
    largest = min(len(pool), MAX_SIZE)
    if not 1 <= size <= largest:
        raise RatingError(
            "size",
            f"Choose a size from 1 to {largest}: {cohort_label(pilot)} have {len(pool)} "
            "scored replies.",
        )
    seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    if not 0 <= seed <= MAX_SEED:
        raise RatingError("seed", f"The seed is a whole number from 0 to {MAX_SEED}.")
    chosen = random.Random(seed).sample(pool, size)
    sample = RatingSample.objects.create(
        study=study, pilot=pilot, seed=seed, size=size, pool=len(pool), created_by=user
    )
    RatingItem.objects.bulk_create(
        RatingItem(sample=sample, position=n, message_id=m) for n, m in enumerate(chosen, 1)
    )
    return sample


def items_of(sample: RatingSample):
    """The sample's replies still in the data (a participant who withdrew takes theirs)."""
    return sample.items.filter(exported("message__session__participant__"))


@transaction.atomic
def rating_add(*, sample: RatingSample, position: int | None, rater, answer: str) -> Rating:
    """Append the rater's answer on the sample's reply at ``position``: a new row, even on
    a reply they rated before (their newest counts). Refused, storing nothing, for any
    answer but the three or a position not in the sample."""
    if answer not in Rating.Answer.values:
        raise RatingError("answer", "Answer yes, no or can't tell.")
    item = items_of(sample).filter(position=position).first() if position else None
    if item is None:
        raise RatingError("item", f"There is no reply {position or '(none)'} in this sample.")
    locked = RatingSample.objects.select_for_update().get(pk=sample.pk)  # one label each
    return Rating.objects.create(
        item=item, rater=rater, rater_label=_label(locked, rater), answer=answer
    )


def _label(sample: RatingSample, user) -> str:
    """The rater's label in this sample: theirs if they rated before, else the next one."""
    known = set(Rating.objects.filter(item__sample=sample).values_list("rater_id", "rater_label"))
    mine = [label for rater, label in known if rater == user.pk]
    return mine[0] if mine else f"R{len({label for _, label in known}) + 1}"


def _rated_by(sample: RatingSample, user) -> set[int]:
    rated = Rating.objects.filter(item__in=items_of(sample), rater=user)
    return set(rated.values_list("item__position", flat=True))


def next_to_rate(sample: RatingSample, user, after: int = 0) -> int | None:
    """Where the rater left off: the first reply after ``after`` they have not rated, else
    the first anywhere; None once they have rated them all."""
    rated = _rated_by(sample, user)
    left = [p for p in items_of(sample).values_list("position", flat=True) if p not in rated]
    return next((p for p in left if p > after), left[0] if left else None)


def number_of(sample: RatingSample, position: int) -> int:
    """The reply's number as raters see it: its place among the replies still in the
    sample (a withdrawal takes some out)."""
    return items_of(sample).filter(position__lte=position).count()


def following(sample: RatingSample, user, after: int) -> int | None:
    """Where a rater goes after answering the reply at ``after``: the next one they have not
    rated; once every one is rated (changing an answer), simply the next one, if any."""
    if next_to_rate(sample, user) is not None:
        return next_to_rate(sample, user, after)
    return next((p for p in items_of(sample).values_list("position", flat=True) if p > after), None)


def item_context(sample: RatingSample, position: int, user) -> dict | None:
    """What the rater sees of the reply at ``position`` (None: not in the sample): the
    conversation before it, the identity it was given and their own newest answer."""
    positions = list(items_of(sample).values_list("position", flat=True))
    if position not in positions:
        return None
    item = sample.items.select_related("message__session__participant__identity").get(
        position=position
    )
    reply = item.message
    before = list(
        reply.session.messages.filter(
            turn__lt=reply.turn, sender__in=(Message.Sender.PARTICIPANT, Message.Sender.AGENT)
        ).order_by("turn")
    )
    state, version = selectors.identity_at(reply.session, reply.identity_version)
    at = positions.index(position)
    return {
        "item": item,
        "reply": reply,
        "earlier": before[:-CONTEXT],
        "recent": before[-CONTEXT:],
        "identity": state,
        "identity_version": version,
        "readable": readable(state),
        "mine": Rating.objects.filter(item=item, rater=user).order_by("-id").first(),
        "rated": len(_rated_by(sample, user) & set(positions)),
        "number": at + 1,  # among the replies still in the sample (a withdrawal removes some)
        "total": len(positions),
        "previous": positions[at - 1] if at else None,
        "next": positions[at + 1] if at + 1 < len(positions) else None,
    }


def progress(study: Study) -> dict[int, list[dict]]:
    """Per sample of the study: each rater's label, user name and replies rated."""
    rows = (
        Rating.objects.filter(item__sample__study=study)
        .filter(exported("item__message__session__participant__"))
        .values("item__sample_id", "rater_label", "rater__username")
        .annotate(rated=Count("item", distinct=True))
        .order_by("item__sample_id", "rater_label")
    )
    out: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["item__sample_id"]].append(
            {"label": r["rater_label"], "user": r["rater__username"], "rated": r["rated"]}
        )
    return out


class Agreement(NamedTuple):
    """Two judges over a sample: ``both`` replies both answered, ``unsure`` of them set
    aside because one said "can't tell"; kappa over the rest."""

    both: int
    unsure: int
    kappa: Kappa


def compare(first: dict[int, str], second: dict[int, str]) -> Agreement:
    """Agreement between two judges' answers (yes, no, can't tell) keyed by reply."""
    both = sorted(first.keys() & second.keys())
    judged = [(first[m], second[m]) for m in both if CANT_TELL not in (first[m], second[m])]
    return Agreement(len(both), len(both) - len(judged), kappa(judged))


def answers(sample: RatingSample) -> dict[str, dict[int, str]]:
    """Each rater's newest answer on each reply of the sample: label -> {message id: answer}."""
    newest = Rating.objects.newest().filter(item__in=items_of(sample))
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for label, message_id, answer in newest.values_list(
        "rater_label", "item__message_id", "answer"
    ):
        out[label][message_id] = answer
    return dict(sorted(out.items(), key=lambda kv: int(kv[0][1:])))


def calls(sample: RatingSample) -> dict[str, dict[int, str]]:
    """Each automatic measure's call on each reply of the sample it makes one on, from its
    session's newest scoring, as an answer: "no" when it flags the reply, else "yes"."""
    items = list(items_of(sample).values_list("message_id", "message__session_id"))
    scores = SessionScore.objects.newest().filter(session_id__in={s for _, s in items})
    scored = {r["message_id"]: r for rs in scores.values_list("replies", flat=True) for r in rs}
    out: dict[str, dict[int, str]] = {}
    for rule in RULES:
        made = {m: rule.flag(scored[m]) for m, _ in items if m in scored}
        out[rule.key] = {m: NO if flag else YES for m, flag in made.items() if flag is not None}
    return out


def agreement(sample: RatingSample) -> dict:
    """The sample's agreement page: every pair of raters, every rater against every measure
    (with how many replies each measure calls and flags), and the raters' names."""
    given = answers(sample)
    made = calls(sample)
    names = dict(
        Rating.objects.filter(item__sample=sample)
        .values_list("rater_label", "rater__username")
        .distinct()
    )
    return {
        "total": items_of(sample).count(),
        "raters": [
            {"label": label, "user": names.get(label), "rated": len(mine)}
            for label, mine in given.items()
        ],
        "between": [
            {"first": a, "second": b, "agreement": compare(given[a], given[b])}
            for a, b in combinations(given, 2)
        ],
        "measures": [
            {
                "rule": rule,
                "called": len(made[rule.key]),
                "flagged": sum(a == NO for a in made[rule.key].values()),
                "raters": [
                    {"label": label, "agreement": compare(mine, made[rule.key])}
                    for label, mine in given.items()
                ],
            }
            for rule in RULES
        ],
    }
