"""Reviews computed before per-paper tallies existed have none: an incremental refresh would count
from nothing. Mark each for a full recompute (the beat's sweep, or the next refresh, queues it)."""

from django.db import migrations


def recompute_every_review(apps, schema_editor):
    apps.get_model("reviews", "Review").objects.update(derived_at=None, derived_dirty=True)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0010_refresh_touched_and_tallies")]

    operations = [migrations.RunPython(recompute_every_review, migrations.RunPython.noop)]
