"""Stored Test runs: each action's and connector's last run, and retention.

Every action and connector keeps its newest run's time, status, error kind and whether it
passed (the catalog's badges, filters and sorts read them). They change only here: when a run
is stored, when runs or actions are deleted, and when `refresh_last_runs` recomputes them.

Retention: a run is removed once it is older than STUDIO_RUN_RETENTION_DAYS, unless it is one
of its action's newest STUDIO_RUNS_PER_ACTION runs or a user kept it (pinned). The newest run
of an action is always kept, so pruning never changes a last run. Storing prunes an action
every STUDIO_RUNS_PER_ACTION runs (its `runs_since_prune` counts them); `prune` does them all.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from connectors.lib.per_row import PerRow
from connectors.lib.prepared import PreparedInsert
from connectors.models import LAST_RUN_FIELDS, Action, Connector, TestRun

NEWEST_FIRST = ("-created_at", "-id")
# Runs removed at most per stored run: the Test's own transaction stays short.
PRUNE_ON_STORE_LIMIT = 500
# A new run's INSERT, built once per connection (lib.prepared).
_INSERT_RUN = PreparedInsert(TestRun)


def store(run: TestRun) -> TestRun:
    """Save a new run, make it its action's and connector's last run, and prune that action
    once it has stored more runs than it keeps since its last prune.

    One write per table: the INSERT, one UPDATE of the action (last run and its count of runs
    since the last prune) and one of the connector. Pruning on every store would look for
    expired runs each time; an action can only pass its STUDIO_RUNS_PER_ACTION newest after
    that many new runs, so it is looked at then (and by the daily `prune_runs`).
    """
    action = run.action
    due = action.runs_since_prune + 1 > settings.STUDIO_RUNS_PER_ACTION
    # No savepoint inside a caller's transaction (a suite's result is stored with the run):
    # an error here undoes the caller's work too, which is what it wants.
    with transaction.atomic(savepoint=False):
        if run.pk is None:
            _INSERT_RUN.save(run)
        else:
            run.save()
        last = {
            "last_run_at": run.created_at,
            "last_run_status": run.status,
            "last_run_error": run.error_kind,
            "last_run_passed": run.passed,
        }
        # The count rides on the last-run UPDATE: a run that lost the race to a newer one goes
        # uncounted, which only delays a prune by one store.
        _set_last_run(Action, run.action_id, last, count="reset" if due else "add")
        _set_last_run(Connector, action.connector_id, last)
        for name, value in last.items():
            setattr(action, name, value)
        action.runs_since_prune = 0 if due else action.runs_since_prune + 1
        if due:
            prune_action(run.action_id, limit=PRUNE_ON_STORE_LIMIT)
    return run


def _set_last_run(
    model: type[Action] | type[Connector], pk: int, last: dict[str, Any], count: str = ""
) -> None:
    """UPDATE one row's last run, unless it holds a newer one: a slower Test that started
    earlier may commit later. `count`: "add" one to the action's runs since its last prune,
    or "reset" it to 0.

    The statement is written here rather than by QuerySet.update(), which spends about
    0.3 ms building it (a tenth of a small Test's CPU) for a database that runs it in 0.05.
    """
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in last]
    assignments = [f"{quote(field.column)} = %s" for field in fields]
    params = [field.get_db_prep_save(last[field.name], connection) for field in fields]
    if count:
        column = quote(meta.get_field("runs_since_prune").column)
        assignments.append(f"{column} = " + ("0" if count == "reset" else f"{column} + 1"))
    at_field = meta.get_field("last_run_at")
    at = quote(at_field.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
            f"WHERE {quote(meta.pk.column)} = %s AND ({at} IS NULL OR {at} <= %s)",
            [*params, pk, at_field.get_db_prep_save(last["last_run_at"], connection)],
        )


def store_many(records: list[TestRun]) -> list[TestRun]:
    """Save new runs at once, as `store` saves one (each action's and connector's last run,
    its count of runs since a prune, and a prune once due): one INSERT and one UPDATE each of
    the actions and the connectors, whatever the number of runs. A monitor's worker stores a
    batch of its runs so. An action due for a prune is written and pruned on its own (rare)."""
    if not records:
        return records
    with transaction.atomic(savepoint=False):
        TestRun.objects.bulk_create(records)
        if not all(run.pk for run in records):  # a database that does not return the ids
            raise NotImplementedError("store_many needs the ids of the rows it inserts")
        newest: dict[int, TestRun] = {}
        counted: Counter[int] = Counter()
        for run in records:
            counted[run.action_id] += 1
            if run.action_id not in newest or _later(run, newest[run.action_id]):
                newest[run.action_id] = run
        due = {
            pk
            for pk, run in newest.items()
            if run.action.runs_since_prune + counted[pk] > settings.STUDIO_RUNS_PER_ACTION
        }
        counts = {pk: n for pk, n in counted.items() if pk not in due}
        _update_last(
            Action,
            {pk: run for pk, run in newest.items() if pk not in due},
            runs_since_prune=F("runs_since_prune") + PerRow(counts, _COUNT, Value(0)),
        )
        for pk in sorted(due):
            _update_last(Action, {pk: newest[pk]}, runs_since_prune=Value(0))
        by_connector: dict[int, TestRun] = {}
        for run in newest.values():
            held = by_connector.get(run.action.connector_id)
            if held is None or _later(run, held):
                by_connector[run.action.connector_id] = run
        _update_last(Connector, by_connector)
        for pk, run in newest.items():
            action = run.action
            for name, value in _last_of(run).items():
                setattr(action, name, value)
            action.runs_since_prune = 0 if pk in due else action.runs_since_prune + counted[pk]
        for pk in sorted(due):
            prune_action(pk, limit=PRUNE_ON_STORE_LIMIT)
    return records


_COUNT = models.PositiveIntegerField()


def _later(run: TestRun, other: TestRun) -> bool:
    return (run.created_at, run.pk) > (other.created_at, other.pk)


def _last_of(run: TestRun) -> dict[str, Any]:
    return {
        "last_run_at": run.created_at,
        "last_run_status": run.status,
        "last_run_error": run.error_kind,
        "last_run_passed": run.passed,
    }


def _update_last(model: type[models.Model], newest: dict[int, TestRun], **more: Any) -> None:
    """Each row's last run from its newest run here, unless it has a newer one already; with
    `more` in the same UPDATE."""
    if not newest:
        return
    values = {
        name: PerRow({pk: _last_of(run)[name] for pk, run in newest.items()}, field)
        for name in ("last_run_at", "last_run_status", "last_run_error", "last_run_passed")
        for field in [model._meta.get_field(name)]
    }
    # "Not newer", as in store: a slower Test that started earlier never wins.
    not_newer = Q(last_run_at__isnull=True) | Q(last_run_at__lte=values["last_run_at"])
    model.objects.filter(not_newer, pk__in=list(newest)).update(**values, **more)


# --- last runs -----------------------------------------------------------------------------


def _newest_values(newest: models.QuerySet, fields: dict[str, str]) -> dict[str, Any]:
    """Update values: each last-run field from the first row of `newest` (an OuterRef query)."""
    values: dict[str, Any] = {}
    for target, source in fields.items():
        value = Subquery(newest.values(source)[:1])
        if target in NOT_NULL:
            value = Coalesce(value, Value(NOT_NULL[target]))
        values[target] = value
    return values


# Last-run fields that hold a value when there is no run, and the value.
NOT_NULL: dict[str, Any] = {"last_run_error": "", "last_run_passed": False}


def _present(model: type[models.Model], fields: dict[str, str]) -> dict[str, str]:
    """The fields this model has: a migration's older models lack the later ones."""
    names = {f.name for f in model._meta.get_fields()}
    return {target: source for target, source in fields.items() if target in names}


def refresh_actions(
    action_ids: Iterable[int] | None = None, models_from: Any = None, batch_size: int = 5000
) -> int:
    """Recompute the last run of these actions (default: all), then of their connectors.

    `models_from` is a migration's `apps`; the live models otherwise. Runs in batches of
    actions, each its own short transaction. Returns the number of actions refreshed.
    """
    action_model, connector_model, run_model = _models(models_from)
    newest = run_model.objects.filter(action=OuterRef("pk")).order_by(*NEWEST_FIRST)
    sources = {
        "last_run_at": "created_at",
        "last_run_status": "status",
        "last_run_error": "error_kind",
        "last_run_passed": "passed",
    }
    values = _newest_values(newest, _present(action_model, sources))
    count = 0
    connector_ids: set[int] = set()
    for ids in _batches(action_model, action_ids, batch_size):
        with transaction.atomic():
            count += action_model.objects.filter(pk__in=ids).update(**values)
        connector_ids.update(
            action_model.objects.filter(pk__in=ids).values_list("connector_id", flat=True)
        )
    refresh_connectors(connector_ids if action_ids is not None else None, models_from, batch_size)
    return count


def refresh_connectors(
    connector_ids: Iterable[int] | None = None, models_from: Any = None, batch_size: int = 5000
) -> None:
    """A connector's last run is the newest of its actions' last runs."""
    action_model, connector_model, _ = _models(models_from)
    newest = action_model.objects.filter(
        connector=OuterRef("pk"), last_run_at__isnull=False
    ).order_by("-last_run_at", "-id")
    fields = _present(connector_model, {name: name for name in LAST_RUN_FIELDS})
    values = _newest_values(newest, fields)
    for ids in _batches(connector_model, connector_ids, batch_size):
        with transaction.atomic():
            connector_model.objects.filter(pk__in=ids).update(**values)


def _models(models_from: Any) -> tuple[type[Action], type[Connector], type[TestRun]]:
    if models_from is None:
        return Action, Connector, TestRun
    return tuple(models_from.get_model("connectors", n) for n in ("Action", "Connector", "TestRun"))


def _batches(model: type[models.Model], ids: Iterable[int] | None, size: int) -> Iterator[list]:
    """Ids in batches of `size`: the given ones, or every row's, read by key range."""
    if ids is not None:
        ids = sorted(set(ids))
        for start in range(0, len(ids), size):
            yield ids[start : start + size]
        return
    after = 0
    while batch := list(
        model.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
    ):
        yield batch
        after = batch[-1]


@receiver(post_delete, sender=Action)
def _action_deleted(sender: type[Action], instance: Action, origin: Any = None, **kwargs: Any):
    """An action's runs go with it: its connector's last run may have been one of them."""
    if isinstance(origin, Connector) or getattr(origin, "model", None) is Connector:
        return  # the connector goes too
    refresh_connectors([instance.connector_id])


# --- retention -----------------------------------------------------------------------------


def retention_cutoff(days: int | None = None) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days or settings.STUDIO_RUN_RETENTION_DAYS)


def prune_action(
    action_id: int, days: int | None = None, keep: int | None = None, limit: int | None = None
) -> int:
    """Remove one action's expired runs (at most `limit`); returns how many."""
    keep = keep or settings.STUDIO_RUNS_PER_ACTION
    cutoff = retention_cutoff(days)
    runs = TestRun.objects.filter(action_id=action_id)
    if not runs.filter(created_at__lt=cutoff, pinned=False).exists():
        return 0  # the usual case: one indexed look-up
    boundary = (
        runs.order_by(*NEWEST_FIRST).values_list("created_at", flat=True)[keep - 1 : keep].first()
    )
    if boundary is None:
        return 0  # fewer runs than the ones always kept
    # Strictly older than the keep-th newest: a run sharing its time is kept (at least `keep`).
    expired = runs.filter(pinned=False, created_at__lt=min(cutoff, boundary)).order_by()
    ids = expired.values_list("pk", flat=True)
    ids = list(ids[:limit] if limit else ids)
    return TestRun.objects.filter(pk__in=ids).delete()[0] if ids else 0


@dataclass
class Pruned:
    removed: int = 0
    batches: int = 0
    kept_old: int = 0  # past the age but kept: pinned or among their action's newest


def prune(
    days: int | None = None, keep: int | None = None, batch_size: int = 1000, dry_run: bool = False
) -> Pruned:
    """Remove every expired run, walking the old runs oldest first, `batch_size` at a time.

    Each batch is one short transaction and holds only ids in memory; a run's verdict depends
    only on newer runs of its action, so the walk never looks at a row twice.
    """
    keep = keep or settings.STUDIO_RUNS_PER_ACTION
    cutoff = retention_cutoff(days)
    keep_th_newest = Subquery(
        TestRun.objects.filter(action=OuterRef("action"))
        .order_by(*NEWEST_FIRST)
        .values("created_at")[keep - 1 : keep]
    )
    old = TestRun.objects.filter(created_at__lt=cutoff).order_by("created_at", "id")
    result = Pruned()
    after: tuple[datetime.datetime, int] | None = None
    while True:
        batch = old
        if after is not None:
            at, pk = after
            after_last = Q(created_at__gt=at) | Q(created_at=at, id__gt=pk)
            batch = batch.filter(after_last, created_at__gte=at)
        rows = list(
            batch.annotate(boundary=keep_th_newest).values_list(
                "id", "created_at", "pinned", "boundary"
            )[:batch_size]
        )
        if not rows:
            return result
        after = (rows[-1][1], rows[-1][0])
        expired = [pk for pk, at, pinned, newest in rows if not pinned and newest and at < newest]
        result.kept_old += len(rows) - len(expired)
        if not expired:
            continue
        result.batches += 1
        if dry_run:
            result.removed += len(expired)
            continue
        with transaction.atomic():
            result.removed += TestRun.objects.filter(pk__in=expired).delete()[0]
