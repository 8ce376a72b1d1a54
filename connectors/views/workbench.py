"""The action page's request edited in place: a draft per user and action, Test of what is on
the screen, Save (a new version, with history) and Discard."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from connectors.forms.workbench import Bench
from connectors.models import Action, ActionDraft
from connectors.views.access import action_for
from connectors.views.action_page import action_page, bench_context


def keep(request: HttpRequest, action: Action, bench: Bench) -> None:
    """Store the screen as the user's draft while it differs from the saved action."""
    if not request.user.has_perm("connectors.change_action") or bench.data is None:
        return
    if any("\x00" in value for values in bench.posted().values() for value in values):
        return  # the form refuses a NUL next to its field; no database keeps one in a draft
    if bench.changed():
        ActionDraft.objects.update_or_create(
            action=action,
            user=request.user,
            defaults={"posted": bench.posted(), "base_version": action.version},
        )
    else:
        ActionDraft.objects.filter(action=action, user=request.user).delete()


@require_POST
def action_draft(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """Keep what is on the screen (typed, a pasted URL split, an Input Arg added) as a draft."""
    action = action_for(request, name, action_name, "change_action", with_args=True)
    bench = Bench(action, request.POST)
    bench.is_valid()
    keep(request, action, bench)
    if not request.htmx:
        return redirect(action.get_absolute_url())
    if request.POST.get("autosave"):
        # The mark and the offers of new Input Args follow what is typed.
        context = {"unsaved": bench.changed(), "action": action, "connector": action.connector}
        context["undeclared"] = bench.undeclared()
        response = render(request, "connectors/actions/detail.html#draft-state", context)
        response.content += render(
            request, "connectors/actions/detail.html#undeclared", context
        ).content
        return response
    return _bench(request, action, bench)


@require_POST
def action_draft_save(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """The draft becomes the action: one version up, recorded in its history."""
    action = action_for(request, name, action_name, "change_action", with_args=True)
    bench = Bench(action, request.POST)
    if bench.request_valid():
        form, formset = bench.form, bench.formset
        try:
            with transaction.atomic():  # the action and the end of its draft, or neither
                saved = form.save_recorded(
                    request.user,
                    args=formset.save(commit=False),
                    dropped_args=formset.deleted_objects,
                    touch_connector=True,
                )
                if saved is not None:  # None: stale, the form says who saved meanwhile
                    ActionDraft.objects.filter(action=action, user=request.user).delete()
        except IntegrityError:
            form.add_error(None, "Someone changed this action's Input Args meanwhile: save again.")
        else:
            if saved is not None:
                messages.success(request, f"Saved action {saved.name}.")
                if request.htmx:
                    return HttpResponseClientRedirect(saved.get_absolute_url())
                return redirect(saved.get_absolute_url())
    keep(request, action, bench)
    if request.htmx:
        return _bench(request, action, bench)
    return action_page(request, action, None, bench=bench)


@require_POST
def action_draft_discard(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = action_for(request, name, action_name, "change_action")
    ActionDraft.objects.filter(action=action, user=request.user).delete()
    messages.success(request, "Discarded your unsaved changes.")
    if request.htmx:
        return HttpResponseClientRedirect(action.get_absolute_url())
    return redirect(action.get_absolute_url())


def _bench(request: HttpRequest, action: Action, bench: Bench) -> HttpResponse:
    context = {"action": action, "connector": action.connector, **bench_context(action, bench)}
    return render(request, "connectors/actions/detail.html#bench", context)
