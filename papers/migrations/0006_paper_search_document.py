from django.db import migrations

# The paper's full-text document stored with the row (PostgreSQL only; SQLite searches with a
# simple fallback). Ranking read the vector from an expression index's definition, so PostgreSQL
# computed to_tsvector again for every matching paper: ~1 s for a word all 100,000 papers share.
# A generated column is computed once per write, and its GIN index serves the match.
CREATE = [
    "ALTER TABLE papers_paper ADD COLUMN IF NOT EXISTS search_document tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, ((title || ' '::text) || abstract))) STORED",
    "CREATE INDEX IF NOT EXISTS paper_search_document ON papers_paper USING gin (search_document)",
    "DROP INDEX IF EXISTS paper_fulltext",
]
DROP = [
    "CREATE INDEX IF NOT EXISTS paper_fulltext ON papers_paper "
    "USING gin (to_tsvector('english'::regconfig, ((title || ' '::text) || abstract)))",
    "DROP INDEX IF EXISTS paper_search_document",
    "ALTER TABLE papers_paper DROP COLUMN IF EXISTS search_document",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("papers", "0005_citations_newest_decisions")]

    operations = [migrations.RunPython(create, drop)]
