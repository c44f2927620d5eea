"""Study and condition design forms for the dashboard."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from chat.agent.cards import CardError, from_card
from questionnaires import translation
from studies import pictures
from studies.design import CONDITION_FIELDS, STUDY_FIELDS
from studies.models import Condition, Endpoint, Preregistration, Study
from studies.persona import BIG_FIVE, IdentityError, validate_persona
from studies.preregistration import PLAN_FIELDS
from studies.starters import STARTERS


def _https_urls(field, **kwargs):
    """Addresses typed without a scheme are taken as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class DesignForm(forms.ModelForm):
    """A design form whose text keeps one kind of line end: browsers send CRLF from a text
    box, and a design resubmitted unchanged must not become a new version (or, after a
    plan's lock, a deviation)."""

    def clean(self):
        data = super().clean()
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.replace("\r\n", "\n")
        return data


class StudyForm(DesignForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        for name in ("comprehension_tries", "language", "messages_per_minute"):
            self.fields[name].required = False  # left out: their defaults

    def clean_comprehension_tries(self):
        return self.cleaned_data.get("comprehension_tries") or _default("comprehension_tries")

    def clean_messages_per_minute(self):
        given = self.cleaned_data.get("messages_per_minute")  # 0 is refused, not defaulted
        return _default("messages_per_minute") if given is None else given

    def clean_language(self):
        return self.cleaned_data.get("language") or _default("language")

    def clean(self):
        data = super().clean()
        try:
            given = translation.parse(data.get("pmq_translation", ""))
        except ValueError as error:
            self.add_error("pmq_translation", str(error))
            return data
        language = data.get("pmq_language", "")
        if given and not LANGUAGE_CODE.fullmatch(language):
            self.add_error("pmq_language", "Give your translation's language code (de, pt-BR).")
        elif given and language == "en":
            self.add_error(
                "pmq_language",
                "en names the validated English PMQ: give your version a code of its own "
                "(e.g. en-x-plain), so the data never mistake it for the original.",
            )
        if data.get("pmq_language") and not given:
            self.add_error("pmq_translation", "A PMQ language needs its translation.")
        return data

    class Meta:
        model = Study
        fields = list(STUDY_FIELDS)  # everything a researcher edits is part of the design
        formfield_callback = _https_urls


LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def _default(name: str, model=Study):
    return model._meta.get_field(name).default


# A condition's framing and pacing, left out of a form (an older page, a script): their
# defaults, as a condition made before they existed has them.
FRAMING_AND_PACING = (
    "partner_framing",
    "partner_name",
    "reply_pacing",
    "pacing_wpm",
    "pacing_jitter",
    "pacing_read_seconds",
    "pacing_delay_seconds",
    "pacing_max_seconds",
)


class ConditionForm(DesignForm):
    """A condition, with its seed persona as fields (or replaced by a Character Card)."""

    persona_name = forms.CharField(label="Agent name", max_length=60, required=False)
    persona_role = forms.CharField(label="Agent role", max_length=160, required=False)
    persona_backstory = forms.CharField(
        label="Backstory", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    persona_register = forms.CharField(
        label="Way of talking", max_length=80, initial="casual", required=False
    )
    persona_values = forms.CharField(
        label="Values (comma-separated)", required=False, max_length=200
    )
    card = forms.FileField(
        label="Or import a Character Card V2 (JSON)",
        required=False,
        help_text="Replaces the persona fields above.",
    )
    locked = forms.CharField(
        label="Locked fields (comma-separated)",
        required=False,
        help_text="e.g. persona.name, partner, common_ground",
    )
    picture = forms.FileField(
        label="Partner's picture (optional)",
        required=False,
        help_text="A PNG, JPEG, GIF or WebP image of at most 512 KiB, shown beside the "
        "partner's name in the chat. Give its alt text below.",
    )
    picture_remove = forms.BooleanField(label="Remove the partner's picture", required=False)

    class Meta:
        model = Condition
        # The persona, locked fields and picture are edited through the form fields above.
        fields = [
            f
            for f in CONDITION_FIELDS
            if f not in ("seed_persona", "locked_fields", "partner_picture")
        ]
        formfield_callback = _https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        for name in FRAMING_AND_PACING:
            self.fields[name].required = False
        endpoint = self.fields["llm_endpoint"]
        endpoint.empty_label = "none (the offline agent needs none)"
        endpoint.label_from_instance = lambda e: (
            f"{e.name}: {e.description}" if e.description else e.name
        )
        endpoint.help_text = (
            "Endpoints are set up by the server's operator (URL and key); ask them for another."
        )
        for trait in BIG_FIVE:
            self.fields[f"trait_{trait}"] = forms.IntegerField(
                label=f"{trait.capitalize()} (1-7)", min_value=1, max_value=7, initial=4
            )
        persona = self.instance.seed_persona or {}
        if persona:
            for key in ("name", "role", "backstory", "register"):
                self.initial[f"persona_{key}"] = persona.get(key, "")
            self.initial["persona_values"] = ", ".join(persona.get("values", []))
            for trait, value in (persona.get("traits") or {}).items():
                self.initial[f"trait_{trait}"] = value
        self.initial["locked"] = ", ".join(self.instance.locked_fields or [])

    def clean(self):
        data = super().clean()
        for name in FRAMING_AND_PACING:
            if data.get(name) in (None, "") and name not in self.errors:
                data[name] = _default(name, Condition)
        card = data.get("card")
        try:
            if card:
                persona = from_card(card.read())
            else:
                persona = validate_persona(
                    {
                        **{
                            k: data.get(f"persona_{k}", "")
                            for k in ("name", "role", "backstory", "register")
                        },
                        "values": data.get("persona_values", ""),
                        "traits": {
                            t: data[f"trait_{t}"]
                            for t in BIG_FIVE
                            if data.get(f"trait_{t}") is not None
                        },
                    }
                )
        except (CardError, IdentityError) as error:
            raise ValidationError(getattr(error, "message", str(error))) from None
        renamed = self.instance.pk and data.get("name") != self.initial.get("name")
        if renamed and self.initial.get("name") in _planned_conditions(self.instance.study):
            self.add_error(
                "name",
                "The study's locked pre-registration compares this condition by its name: "
                "renaming it would leave the planned analysis without it.",
            )
        if data.get("picture"):
            try:
                self.instance.partner_picture = pictures.picture_store(data["picture"])
            except pictures.PictureError as error:
                self.add_error("picture", str(error))
        elif data.get("picture_remove"):
            self.instance.partner_picture = ""
        self.instance.seed_persona = persona
        self.instance.locked_fields = [
            part.strip() for part in data.get("locked", "").split(",") if part.strip()
        ]
        return data


class PilotForm(forms.Form):
    """A pilot run from the study page: how many, how fast, and an effect and drift to plant."""

    PACES = (("1", "their own pace (realistic)"), ("0.1", "ten times faster"), ("0", "no waiting"))
    FACTORS = (
        ("hlc", "HLC, human-likeness"),
        ("ccd", "CCD, competence"),
        ("cf", "CF, flexibility"),
    )

    participants = forms.IntegerField(
        label="Simulated participants", min_value=1, max_value=5000, initial=20
    )
    concurrency = forms.IntegerField(label="At once", min_value=1, max_value=2000, initial=10)
    pace = forms.ChoiceField(label="Pace", choices=PACES, initial="0.1")
    effect_condition = forms.ChoiceField(label="Plant an effect in condition", required=False)
    effect_factor = forms.ChoiceField(label="on factor", choices=FACTORS, required=False)
    effect_d = forms.FloatField(
        label="of size d (post − pre, vs. the other conditions)",
        min_value=-3,
        max_value=3,
        initial=0.5,
        required=False,
    )
    drift = forms.FloatField(
        label="Planted drift (share of the offline agent's replies, 0-1)",
        min_value=0,
        max_value=1,
        initial=0,
        required=False,
        help_text="Replies and Q&A answers that contradict or forget the agent's identity on "
        "purpose, to check the drift measures against (Analytics, drift_validation.csv).",
    )
    skip_gaps = forms.BooleanField(
        label="Skip the waits between sessions", initial=True, required=False
    )
    seed = forms.IntegerField(label="Seed", min_value=0, max_value=2**31, initial=0)
    endpoint = forms.ModelChoiceField(
        label="Messages from an LLM endpoint (optional)",
        queryset=Endpoint.objects.all(),
        required=False,
        empty_label="no: the offline generator",
    )
    model = forms.CharField(label="LLM model", max_length=100, required=False)

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["effect_condition"].choices = [("", "none")] + [(c, c) for c in conditions]

    def effect(self) -> str:
        data = self.cleaned_data
        if not data.get("effect_condition") or data.get("effect_d") in (None, 0):
            return ""
        return f"{data['effect_condition']}:{data['effect_factor'] or 'hlc'}:{data['effect_d']:+g}"


class JudgeForm(forms.ModelForm):
    """Whether (and with which of the operator's endpoints and which model) an LLM judge
    scores replies as well. Analysis, not design: it may change at any time."""

    class Meta:
        model = Study
        fields = ["judge_endpoint", "judge_model"]

    def clean(self):
        data = super().clean()
        if data.get("judge_endpoint") and not (data.get("judge_model") or "").strip():
            self.add_error("judge_model", "Name the model the judge should use.")
        if data.get("judge_model") and not data.get("judge_endpoint"):
            self.add_error("judge_endpoint", "Choose the endpoint that serves this model.")
        return data


class StudyCopyForm(forms.Form):
    """A new draft study from one of the starting points or a copy of one of the researcher's
    own studies (design only)."""

    # The refusal does not repeat what was asked for: another researcher's study and one that
    # does not exist get the same answer, so the form cannot be used to find out which slugs
    # exist.
    source = forms.ChoiceField(
        label="Start from",
        error_messages={"invalid_choice": "Choose one of the starting points listed."},
    )
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=60, help_text="Its address: participants open /s/<slug>/. Letters, digits, -."
    )

    def __init__(self, *args, studies=(), **kwargs):
        # Its own ids: the "from scratch" form on the same page has a title and slug too.
        super().__init__(*args, label_suffix="", auto_id="copy-%s", **kwargs)
        self.studies = {s.slug: s for s in studies}
        templates = [(f"starter:{key}", f"Template: {s['label']}") for key, s in STARTERS.items()]
        copies = [(f"study:{s.slug}", f"A copy of {s.title} ({s.slug})") for s in studies]
        self.fields["source"].choices = templates + copies

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Study.objects.filter(slug=slug).exists():
            raise ValidationError("A study already uses this address: choose another.")
        return slug

    def origin(self) -> dict:
        """``study_copy``'s ``source`` or ``starter`` for the chosen starting point."""
        kind, _, key = self.cleaned_data["source"].partition(":")
        return {"source": self.studies[key]} if kind == "study" else {"starter": key}


def _planned_conditions(study) -> set[str]:
    plan = Preregistration.objects.locked_of(study)
    return {plan.plan["condition_a"], plan.plan["condition_b"]} if plan else set()


class PlanForm(DesignForm):
    """A study's pre-registration, before it is locked."""

    primary_outcome = forms.ChoiceField(label="Primary outcome")
    condition_a = forms.ChoiceField(label="Condition A (the reference)")
    condition_b = forms.ChoiceField(label="Condition B")
    effect_size = forms.FloatField(
        label="Expected difference (B − A)",
        required=False,
        help_text="Optional: in the outcome's own units (e.g. PMQ points), not standardised.",
    )
    planned_n = forms.IntegerField(
        label="Planned sample size per condition", min_value=2, max_value=100_000
    )
    exclude_checks_failed = forms.IntegerField(
        label="Exclude at this many failed attention checks",
        min_value=1,
        max_value=100,
        required=False,
        help_text="Optional: exclude a participant who failed this many or more.",
    )
    exclude_fewer_messages = forms.IntegerField(
        label="Exclude with fewer messages than",
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Optional: exclude a participant who sent fewer messages than this in the "
        "outcome session.",
    )

    def __init__(self, *args, study: Study, outcomes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.study = study
        names = [(n, n) for n in study.conditions.order_by("name").values_list("name", flat=True)]
        self.fields["primary_outcome"].choices = outcomes
        self.fields["condition_a"].choices = names
        self.fields["condition_b"].choices = names

    def clean(self):
        data = super().clean()
        if data.get("condition_a") and data.get("condition_a") == data.get("condition_b"):
            self.add_error("condition_b", "Choose a condition other than condition A.")
        effect, direction = data.get("effect_size"), data.get("direction")
        if effect and (effect < 0) != (direction == "less") and direction != "two-sided":
            self.add_error(
                "effect_size",
                "The expected difference and the direction disagree: a negative difference "
                "means B lower than A.",
            )
        session = data.get("outcome_session")
        if session and session > self.study.sessions_per_participant:
            self.add_error(
                "outcome_session",
                f"This study has {self.study.sessions_per_participant} session(s) per participant.",
            )
        return data

    class Meta:
        model = Preregistration
        fields = [*PLAN_FIELDS, "hold_participants"]


class RatingSampleForm(forms.Form):
    """A sample of the study's scored replies for people to rate: whose, how many, and a
    seed (drawn when left empty; kept either way)."""

    cohort = forms.ChoiceField(label="Replies of")
    size = forms.IntegerField(label="Replies in the sample", min_value=1, max_value=1000)
    seed = forms.IntegerField(
        label="Seed (optional)",
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        help_text="The same seed draws the same replies from the same pool. Empty: drawn at "
        "random, and kept.",
    )

    def __init__(self, *args, pilots=(), **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        choices = [("people", "people")]
        choices += [(str(p.pk), f"pilot {p.pk}'s simulated participants") for p in pilots]
        self.fields["cohort"].choices = choices
