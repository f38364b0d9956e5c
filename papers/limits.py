"""What a column can hold, read from the model's own fields: text within `max_length`, integers
within the database's range. Checked before a write, so one over-long value fails its own record
with a reason instead of the statement (and every record beside it) with a DataError."""

from __future__ import annotations

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations


def integer_range(field: models.Field) -> tuple[int | None, int | None]:
    """The values an integer field takes on every backend Django supports (SQLite sets no bound,
    PostgreSQL does: a row SQLite took must still load into PostgreSQL)."""
    return BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type(), (None, None))


def value_problem(field: models.Field, value: object) -> str | None:
    """Why `value` does not fit `field`'s column, or None when it fits."""
    if value is None:
        return None  # NOT NULL is the database's to say; our writers give every required field
    if isinstance(value, str) and "\x00" in value:
        return f"{field.name} holds a NUL character"
    if isinstance(field, models.CharField) and field.max_length is not None:
        if not isinstance(value, str):
            return f"{field.name} is not text: {type(value).__name__}"
        if len(value) > field.max_length:
            return f"{field.name} is {len(value)} characters, more than its {field.max_length}"
    if isinstance(field, models.IntegerField) and not isinstance(field, models.AutoField):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{field.name} is not an integer: {str(value)[:40]!r}"
        low, high = integer_range(field)
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{field.name} {value} is out of range [{low}, {high}]"
    return None


def field_problems(instance: models.Model) -> list[str]:
    """Why the instance's values do not fit its columns (text too long or holding NUL, which
    PostgreSQL text refuses; an integer out of range)."""
    problems = []
    for field in instance._meta.concrete_fields:
        if field.attname not in instance.__dict__ or isinstance(field, models.ForeignKey):
            continue
        problem = value_problem(field, getattr(instance, field.attname))
        if problem:
            problems.append(problem)
    return problems
