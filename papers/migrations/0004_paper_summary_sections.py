"""The paper page's structured summary: new sections, stored at extract time; the sentences kept
before (plain strings) become located sentences without a page."""

from django.db import migrations, models


def locate_old_sentences(apps, schema_editor):
    PaperSummary = apps.get_model("papers", "PaperSummary")
    for summary in PaperSummary.objects.all():
        for name in ("key_results", "limitations", "open_questions"):
            setattr(
                summary,
                name,
                [{"text": s, "page": None, "section": ""} if isinstance(s, str) else s for s in getattr(summary, name)],
            )
        summary.save(update_fields=["key_results", "limitations", "open_questions"])


class Migration(migrations.Migration):
    dependencies = [("papers", "0003_citation_quote_checked_at_and_more")]

    operations = [
        migrations.AddField(
            model_name="papersummary",
            name="facts",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Page and reference counts, the paper's own methods, its primary result.",
            ),
        ),
        migrations.AddField(
            model_name="papersummary",
            name="executive",
            field=models.JSONField(
                blank=True, default=list, help_text="Problem, method, result: 3-5 located sentences."
            ),
        ),
        migrations.AddField(
            model_name="papersummary",
            name="method",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="How the method works (located sentences), calibration data, models, settings, bits, baselines.",
            ),
        ),
        migrations.AddField(
            model_name="papersummary",
            name="mechanisms",
            field=models.JSONField(blank=True, default=list, help_text="The paper's stated reasons why it works."),
        ),
        migrations.AddField(
            model_name="papersummary",
            name="concepts",
            field=models.JSONField(blank=True, default=list, help_text="Glossary terms the paper uses, with links."),
        ),
        migrations.AddField(
            model_name="papersummary",
            name="checks",
            field=models.JSONField(blank=True, default=list, help_text="Comparisons the paper left out, to run next."),
        ),
        migrations.AlterField(
            model_name="papersummary",
            name="contribution",
            field=models.TextField(blank=True, help_text="The sentence stating what the paper proposes."),
        ),
        migrations.AlterField(
            model_name="papersummary",
            name="key_results",
            field=models.JSONField(blank=True, default=list, help_text="Headline numbers from receipts, best first."),
        ),
        migrations.AlterField(
            model_name="papersummary",
            name="limitations",
            field=models.JSONField(blank=True, default=list, help_text="Limitations the paper states about itself."),
        ),
        migrations.AlterField(
            model_name="papersummary",
            name="open_questions",
            field=models.JSONField(blank=True, default=list, help_text="What the paper leaves to future work."),
        ),
        migrations.AlterField(
            model_name="papersummary",
            name="generator",
            field=models.CharField(help_text='"extractive" or the model that wrote the prose.', max_length=64),
        ),
        migrations.RunPython(locate_old_sentences, migrations.RunPython.noop),
    ]
