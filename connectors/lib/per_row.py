"""Each row's own value in one UPDATE: `CASE id WHEN 1 THEN ... WHEN 2 THEN ... END`.

Django's Case(When(pk=...)) builds and resolves a filter for every row: for a few hundred rows
that costs more than the UPDATE itself (and bulk_update() does the same). `PerRow` renders
the simple CASE on the primary key directly, each value adapted as its field adapts it, cast
where the database wants a typed CASE (PostgreSQL). Rows not named keep their value.

    field = Monitor._meta.get_field("next_run_at")
    Monitor.objects.filter(pk__in=list(times)).update(next_run_at=PerRow(times, field))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Expression, F, Field


class PerRow(Expression):
    """CASE <primary key> WHEN <key> THEN <value> ... ELSE <otherwise> END: `field` adapts the
    values (and names the column that `otherwise` defaults to)."""

    def __init__(self, values: Mapping[Any, Any], field: Field, otherwise: Any = None) -> None:
        super().__init__(output_field=field)
        self.values = dict(values)
        self.adapting = field
        self.key: Any = F("pk")
        self.column: Any = F(field.name) if otherwise is None else otherwise

    def resolve_expression(self, *args: Any, **kwargs: Any) -> PerRow:
        resolved = self.copy()
        resolved.key = self.key.resolve_expression(*args, **kwargs)
        resolved.column = self.column.resolve_expression(*args, **kwargs)
        return resolved

    def get_source_expressions(self) -> list[Any]:
        return [self.key, self.column]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.key, self.column = expressions

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        key_sql, key_params = compiler.compile(self.key)
        column_sql, column_params = compiler.compile(self.column)
        if not self.values:
            return column_sql, list(column_params)
        key_field = self.key.output_field
        parts, params = [], []
        for key, value in self.values.items():
            parts.append("WHEN %s THEN %s")
            params.append(key_field.get_db_prep_value(key, connection))
            params.append(self.adapting.get_db_prep_value(value, connection))
        sql = f"CASE {key_sql} {' '.join(parts)} ELSE {column_sql} END"
        if connection.features.requires_casted_case_in_updates:
            sql = f"CAST({sql} AS {self.adapting.cast_db_type(connection)})"
        return sql, [*key_params, *params, *column_params]
