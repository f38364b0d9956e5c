from django.db import migrations, models
from django.db.models import Max


def backfill(apps, schema_editor):
    """The finish time of each review's last succeeded or partial run, as the worker now records it."""
    Review = apps.get_model("reviews", "Review")
    IngestionRun = apps.get_model("worker", "IngestionRun")
    finished = (
        IngestionRun.objects.filter(status__in=["succeeded", "partial"])
        .values("review_id")
        .annotate(last=Max("finished_at"))
    )
    for row in finished:
        Review.objects.filter(pk=row["review_id"]).update(last_ingested_at=row["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_synthesis_draft"),
        ("worker", "0003_extractionevaluation"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="last_ingested_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="derived_gate",
            field=models.JSONField(default=dict, editable=False, help_text="The evidence ledger's quality gate."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
