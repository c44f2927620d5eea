"""Writes for a study's design: creating a draft (new, or copied from another study or a
starting point), checking that it may change, publishing it, keeping each version of it, and
the researcher's preview of it. The design's pure rules (its fields, its hash) are
``studies.design``."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..design import CONDITION_FIELDS, STUDY_FIELDS, content_hash, design
from ..models import Condition, Deviation, Participant, Preregistration, Study, StudyVersion
from ..preregistration import plan_data, plan_hash
from ..starters import STARTERS


class DesignError(Exception):
    """A design that cannot be changed or published; the message says why."""


def study_create(*, owner, **fields) -> Study:
    study = Study.objects.create(status=Study.Status.DRAFT, **fields)
    study.owners.add(owner)
    return study


@transaction.atomic
def study_copy(*, owner, title: str, slug: str, source: Study | None = None, starter: str = ""):
    """A new draft study owned by ``owner``: a copy of ``source``'s design (its settings and
    conditions, never its participants, data, pilots or versions), or one of the starting
    points in ``starters``. ValidationError (nothing created) for a title or slug the study
    cannot have, e.g. a slug in use."""
    if source is not None:
        fields = {f: copy.deepcopy(getattr(source, f)) for f in STUDY_FIELDS}
        fields |= {"judge_endpoint": source.judge_endpoint, "judge_model": source.judge_model}
        conditions = [
            {f: copy.deepcopy(getattr(c, f)) for f in CONDITION_FIELDS}
            for c in source.conditions.select_related("llm_endpoint").order_by("id")
        ]
    else:
        fields, conditions = (
            copy.deepcopy(STARTERS[starter]["study"]),
            STARTERS[starter]["conditions"],
        )
    study = Study(**{**fields, "title": title, "slug": slug, "status": Study.Status.DRAFT})
    study.full_clean()
    study.save()
    study.owners.add(owner)
    for values in conditions:
        condition = Condition(study=study, **copy.deepcopy(values))
        condition.full_clean()
        condition.save()
    return study


def design_editable(study: Study, *, confirmed: bool, why: str = "") -> None:
    """A draft's design can change at will; a published one only with the researcher's
    explicit confirmation, and every such change becomes a new version. Once the study's
    plan is locked, a change also needs a reason: it is recorded as a deviation."""
    if study.is_frozen() and not confirmed:
        raise DesignError(
            "This study is published. Saving changes creates a new version of its design: "
            "participants who have already entered keep the version they started with. Tick "
            "the box to confirm."
        )
    if Preregistration.objects.locked_of(study) and not why.strip():
        raise DesignError(
            "This study's pre-registration is locked. A change to its design is a deviation "
            "from the plan: say why you make it, and it is recorded and shown beside every "
            "result."
        )


@transaction.atomic
def study_publish(*, study: Study, user=None) -> Study:
    """Open the study to participants under version 1 of its design."""
    if study.is_frozen():
        raise DesignError("This study is already published.")
    conditions = list(study.conditions.all())
    if not conditions:
        raise DesignError("Add at least one condition before publishing.")
    for condition in conditions:
        try:
            condition.full_clean()
        except ValidationError as error:
            raise DesignError(f"Condition {condition.name}: {'; '.join(error.messages)}") from None
    study.published_at = timezone.now()
    study.status = Study.Status.ACTIVE
    study.save(update_fields=["published_at", "status"])
    design_version_record(study=study, user=user)
    return study


def design_version_record(*, study: Study, user=None, why: str = ""):
    """Stamp the study with the hash of its design as it now stands, and keep that design as
    a new version if it differs from the last one (a deviation from a locked plan, with
    ``why``). Returns the version in force."""
    data = design(
        {f: getattr(study, f) for f in design_fields("study")},
        [c.design_values(design_fields("condition")) for c in study.conditions.all()],
    )
    digest = content_hash(data)
    latest = study.versions.order_by("-number").first()
    if latest and latest.design_hash == digest:
        return latest
    version = StudyVersion.objects.create(
        study=study,
        number=(latest.number + 1) if latest else 1,
        design_hash=digest,
        design=data,
        created_by=user,
    )
    Study.objects.filter(pk=study.pk).update(design_hash=digest)
    study.design_hash = digest
    plan = Preregistration.objects.locked_of(study)
    if plan is not None:
        Deviation.objects.create(
            preregistration=plan,
            created_by=user,
            design_version=version.number,
            design_hash=digest,
            changed=design_changes(latest.design if latest else {}, data),
            why=why.strip() or "(no reason given)",
        )
    return version


def design_changes(before: dict, after: dict) -> list[str]:
    """What differs between two designs: ``study.<field>``, ``conditions.<name>.<field>``,
    and conditions added or removed."""
    changed = [
        f"study.{k}"
        for k in sorted(set(before.get("study", {})) | set(after.get("study", {})))
        if before.get("study", {}).get(k) != after.get("study", {}).get(k)
    ]
    old = {c["name"]: c for c in before.get("conditions", [])}
    new = {c["name"]: c for c in after.get("conditions", [])}
    for name in sorted(old.keys() | new.keys()):
        if name not in new or name not in old:
            changed.append(f"conditions.{name} ({'removed' if name not in new else 'added'})")
            continue
        changed += [
            f"conditions.{name}.{k}" for k in sorted(new[name]) if old[name].get(k) != new[name][k]
        ]
    return changed


class PlanError(DesignError):
    """A plan that cannot be saved or locked; the message says why."""


@transaction.atomic
def plan_lock(*, study: Study, user) -> Preregistration:
    """Freeze the study's plan with the design version in force: its content, SHA-256, the
    time and who locked it. Only a published study has a design version to lock with."""
    plan = Preregistration.objects.select_for_update().filter(study=study).first()
    if plan is None:
        raise PlanError("Write the plan first.")
    if plan.is_locked():
        raise PlanError("The plan is already locked: it cannot change.")
    if not study.is_frozen():
        raise PlanError(
            "Publish the study first: the plan is locked together with the design version "
            "in force. To keep people out until then, tick 'hold real participants until "
            "this plan is locked'."
        )
    names = set(study.conditions.values_list("name", flat=True))
    if {plan.condition_a, plan.condition_b} - names:
        raise PlanError("The plan compares conditions this study no longer has.")
    version = study.versions.order_by("-number").first()
    data = plan_data({f: getattr(plan, f) for f in Preregistration.FIELDS})
    plan.plan, plan.plan_hash = data, plan_hash(data)
    plan.design_hash, plan.design_version = version.design_hash, version.number
    plan.locked_at, plan.locked_by = timezone.now(), user
    plan.save()
    return plan


def design_fields(kind: str) -> tuple[str, ...]:
    return STUDY_FIELDS if kind == "study" else CONDITION_FIELDS


def preview_start(*, study: Study, condition) -> Participant:
    """A participant for a researcher to try the journey as, in one condition; marked as a
    preview, so it never counts as data, and allowed in draft studies."""
    return Participant.objects.create(
        study=study, condition=condition, is_preview=True, design_hash=study.design_hash
    )
