"""Connector pages: the form with its Auth Config, the connector page, delete."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from connectors.catalog import writes
from connectors.engine import monitors
from connectors.forms import error_summary
from connectors.forms.auth_base import AuthForm
from connectors.forms.auth_forms import auth_form_for
from connectors.forms.connector import ConnectorForm
from connectors.forms.fields import SecretTextarea
from connectors.lib import origins
from connectors.models import LAST_RUN_FIELDS, Connector, InputArg
from connectors.secrets import kept
from connectors.secrets.credential_refs import available_names, missing_credentials
from connectors.views.access import connector_for, require, user_name

RECENT_RUNS = 20


ACTIONS_PER_PAGE = 50


@sensitive_variables("auth_form")
def _save_connector(
    request: HttpRequest, form: ConnectorForm, auth_form: AuthForm
) -> Connector | None:
    """Save the connector and its auth together, or nothing."""
    connector = form.save(commit=False)
    connector.auth_settings = auth_form.auth_settings()
    connector.auth_secrets = auth_form.auth_secrets(user_name(request.user))
    connector.headers = form.headers_to_store(user_name(request.user))
    if form.settle_homes(connector) and connector.pk and request.POST.get("confirm_moves") != "1":
        # Warn before the save: the person confirms with "Save and clear them", or edits back.
        form.pending_moves = form.home_notes
        return None
    try:
        return form.save_recorded(request.user)  # None: stale, the form says so
    except IntegrityError:
        # Two people created the same Name at the same moment: the constraint held.
        form.add_error("name", "A connector with this Name already exists.")
        return None


def _offer_references(request: HttpRequest, auth_form: AuthForm, back_to: str) -> None:
    """Secret fields offer a team credential by name, with "create one" that comes back."""
    names = available_names()
    create_url = ""
    if request.user.has_perm("connectors.manage_credentials"):
        create_url = f"{reverse('credential_create')}?{urlencode({'next': back_to})}"
    for name in auth_form.secret_fields:
        widget = auth_form.fields[name].widget
        if isinstance(widget, SecretTextarea):
            continue  # a PEM key is pasted, not chosen
        widget.references, widget.create_url = names, create_url


def _show_kept(form: ConnectorForm, auth_form: AuthForm, kept_names: set[str]) -> None:
    for name in auth_form.secret_fields:
        auth_form.fields[name].widget.kept = f"auth-{name}" in kept_names
    form.fields["headers"].widget.kept_keys = {
        n.removeprefix(kept.HEADER) for n in kept_names if n.startswith(kept.HEADER)
    }


@sensitive_variables("data")
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def connector_form(request: HttpRequest, name: str | None = None) -> HttpResponse:
    connector = connector_for(request, name, "change_connector") if name else None
    if connector is None:
        require(request, "add_connector")
    form_key = f"connector:{connector.pk if connector else 'new'}"
    back_to = request.path
    kept_names: set[str] = set()
    if request.method == "POST":
        data = kept.fill(request, form_key, request.POST)
        form = ConnectorForm(data, instance=connector)
        auth_config = data.get("auth_config", Connector.AuthConfig.NO_AUTH)
        auth_form = auth_form_for(auth_config, data, connector)
        _offer_references(request, auth_form, back_to)
        refresh_only = "_refresh" in data  # the no-JavaScript "Show fields" button
        valid = not refresh_only and form.is_valid() and auth_form.is_valid()
        if valid:
            form.check_auth(auth_form)
        if valid and not auth_form.errors:
            saved = _save_connector(request, form, auth_form)
            if saved is not None:
                kept.drop(request, form_key)
                messages.success(request, f"Saved connector {saved.name}.")
                for note in form.home_notes:
                    messages.warning(request, note)
                return redirect("connector_detail", name=saved.name)
        # Nothing typed is lost: secrets typed here are kept server-side, sealed, not shown.
        secret_names = [f"auth-{n}" for n in auth_form.secret_fields]
        kept_names = kept.keep(request, form_key, kept.typed(data, secret_names))
        _show_kept(form, auth_form, kept_names)
    else:
        form = ConnectorForm(instance=connector)
        auth_form = auth_form_for(
            connector.auth_config if connector else Connector.AuthConfig.NO_AUTH, None, connector
        )
        _offer_references(request, auth_form, back_to)
    context = {
        "form": form,
        "auth_form": auth_form,
        "connector": connector,
        "problems": error_summary.problems(form, auth_form),
        "kept": kept_names,
    }
    return render(request, "connectors/connectors/form.html", context)


@require_GET
def auth_fields(request: HttpRequest) -> HttpResponse:
    """The fields of the chosen Auth Config, swapped into the connector form."""
    if not (
        request.user.has_perm("connectors.add_connector")
        or request.user.has_perm("connectors.change_connector")
    ):
        raise PermissionDenied
    connector = None
    if name := request.GET.get("connector"):
        connector = get_object_or_404(Connector, name=name)
    auth_config = request.GET.get("auth_config", Connector.AuthConfig.NO_AUTH)
    auth_form = auth_form_for(auth_config, None, connector)
    back_to = (
        reverse("connector_edit", args=[connector.name])
        if connector
        else reverse("connector_create")
    )
    _offer_references(request, auth_form, back_to)
    if "auth-api_key_auth_type" in request.GET:
        auth_form.initial["api_key_auth_type"] = request.GET["auth-api_key_auth_type"]
    return render(
        request,
        "connectors/connectors/form.html#auth-fields",
        {"auth_form": auth_form, "connector": connector, "auth_config": auth_config},
    )


@require_GET
def connector_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The connector and its actions: grouped by tag, filtered as you type, 50 a page."""
    connector = connector_for(request, name)
    query, tag = request.GET.get("q", "").strip()[:200], request.GET.get("tag", "")[:200]
    actions = connector.actions.all()
    if query:
        actions = actions.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(path__icontains=query)
        )
    if tag:
        # The tag as it appears in the stored JSON text: a LIKE that SQLite and PostgreSQL share.
        needle = json.dumps(tag, ensure_ascii=connection.vendor != "postgresql")
        actions = actions.filter(tags__icontains=needle)
    # Only the columns the list shows (an imported output schema can be large), and the
    # input args counted per row of the page, not grouped over every action.
    arg_count = (
        InputArg.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Sorted here, by first tag then name, from three bare columns: ordering by a JSON element
    # in SQL costs more than the whole page. Then only the page's rows, with their badges.
    rows = list(actions.order_by().values_list("pk", "name", "tags"))
    rows.sort(key=lambda row: (not row[2], row[2][0] if row[2] else "", row[1]))
    page = Paginator([row[0] for row in rows], ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    position = {pk: index for index, pk in enumerate(page.object_list)}
    shown = sorted(
        connector.actions.filter(pk__in=page.object_list)
        .only("connector", "name", "method", "path", "tags", *LAST_RUN_FIELDS)
        .annotate(
            summary=Substr("description", 1, 100),  # an imported description can be pages long
            arg_count=Coalesce(Subquery(arg_count), 0),
        )
        .order_by(),
        key=lambda action: position[action.pk],
    )
    if query or tag:
        every = connector.actions.order_by().values_list("tags", flat=True).distinct()
    else:
        every = [row[2] for row in rows]
    tags = sorted({t for row in every for t in row})
    context = {
        "connector": connector,
        "page": page,
        "actions": shown,
        "tags": tags,
        "query": query,
        "tag": tag,
        "filtered": bool(query or tag),
        "missing_credentials": missing_credentials(connector),
        "missing_hosts": ",".join(origins.hosts_of(connector.base_url)),
        "monitor_state": monitors.connector_states([connector.name]).get(connector.name, ""),
    }
    if request.htmx:
        return render(request, "connectors/connectors/detail.html#actions", context)
    return render(request, "connectors/connectors/detail.html", context)


@require_http_methods(["GET", "POST"])
def connector_delete(request: HttpRequest, name: str) -> HttpResponse:
    connector = connector_for(request, name, "delete_connector")
    if request.method == "POST":
        writes.delete(connector, user=request.user)
        messages.success(request, f"Deleted connector {name} and its actions.")
        return redirect("catalog")
    return render(
        request,
        "connectors/shared/confirm_delete.html",
        {
            "object": connector,
            "kind": "connector",
            "goes_with": list(connector.actions.values_list("name", flat=True)),
            "cancel_url": connector.get_absolute_url(),
        },
    )
