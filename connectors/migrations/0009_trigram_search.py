"""Trigram indexes for the catalog search on PostgreSQL; nothing on SQLite.

The search is `icontains`, which PostgreSQL runs as UPPER(column::text) LIKE UPPER('%word%'):
each index is on that very expression, with pg_trgm's operator class, so a word anywhere in
the text is found through the index.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper

SEARCHED = ["name", "display_name", "description", "base_url"]


def _indexes() -> list[GinIndex]:
    return [
        GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=f"connector_{column}_trgm")
        for column in SEARCHED
    ]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    connector = apps.get_model("connectors", "Connector")
    for index in _indexes():
        schema_editor.add_index(connector, index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    connector = apps.get_model("connectors", "Connector")
    for index in _indexes():
        schema_editor.remove_index(connector, index)


class Migration(migrations.Migration):
    dependencies = [("connectors", "0008_last_runs")]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; skipped off PostgreSQL
        migrations.RunPython(add_indexes, remove_indexes),
    ]
