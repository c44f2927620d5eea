"""Factor scores were stored rounded to 4 decimals, so change scores computed from them were
off by up to 0.0001. Scores are derived data: recompute them, exactly, from the responses
(the record, which is untouched)."""

from statistics import mean

from django.db import migrations


def exact_scores(apps, schema_editor):
    Administration = apps.get_model("questionnaires", "Administration")
    Response = apps.get_model("questionnaires", "Response")
    submitted = Administration.objects.filter(submitted_at__isnull=False)
    for administration in submitted.iterator():
        rows = Response.objects.filter(administration=administration).values_list(
            "item__factor", "score"
        )
        by_factor: dict[str, list[int]] = {}
        for factor, score in rows:
            by_factor.setdefault(factor, []).append(score)
        if not by_factor:
            continue
        scores = {factor: mean(values) for factor, values in by_factor.items()}
        scores["overall"] = mean(score for _, score in rows)
        Administration.objects.filter(pk=administration.pk).update(scores=scores)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0002_pmq_instrument")]

    operations = [migrations.RunPython(exact_scores, migrations.RunPython.noop)]
