"""Results stored before extraction spelled model names alike get the registry's spelling
("GPT-31.3B" → "GPT-3-1.3B", "LLaMA 7B" → "LLaMA-7B"), so re-extraction meets them under the same
name and curators' decisions on them hold. Leaderboards take it at their next rebuild."""

from django.db import migrations

from worker.extract.names import normalize_model_name


def spell_model_names(apps, schema_editor):
    result_model = apps.get_model("benchmarks", "BenchmarkResult")
    changed = []
    for result in result_model.objects.only("pk", "model_name").iterator(chunk_size=5000):
        spelled = normalize_model_name(result.model_name)
        if spelled != result.model_name:
            result.model_name = spelled
            changed.append(result)
    result_model.objects.bulk_update(changed, ["model_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("benchmarks", "0007_both_bases")]

    operations = [migrations.RunPython(spell_model_names, migrations.RunPython.noop)]
