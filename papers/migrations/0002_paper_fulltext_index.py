from django.db import migrations

# Full-text search over title and abstract (reviews/search.py uses the same expression). PostgreSQL
# only; SQLite searches with a simple fallback.
CREATE = (
    "CREATE INDEX IF NOT EXISTS paper_fulltext ON papers_paper "
    "USING gin (to_tsvector('english'::regconfig, ((title || ' '::text) || abstract)))"
)
DROP = "DROP INDEX IF EXISTS paper_fulltext"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("papers", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
