"""New connector from a template: the gallery, then a short form, a preview and Create."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from connectors.forms.gallery import TemplateForm
from connectors.importing import compare, staging
from connectors.importing.apply import apply_template
from connectors.importing.readers.gallery import (
    GalleryPlan,
    auth_configs,
    cards,
    plan,
    problems,
    shown_settings,
    template_by_id,
)
from connectors.importing.templates_data import TEMPLATES
from connectors.views.access import require


class GalleryFilters(forms.Form):
    q = forms.CharField(label="Search templates", required=False, max_length=200)
    auth = forms.ChoiceField(label="Auth Config", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auth"].choices = [("", "Any"), *auth_configs()]


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    require(request, "view_connector")
    filters = GalleryFilters(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {"q": "", "auth": ""}
    context = {
        "filters": filters,
        "cards": cards(chosen["q"], chosen["auth"]),
        "query": chosen["q"],
        "total": len(TEMPLATES),
    }
    if request.htmx and request.htmx.target == "gallery-results":
        return render(request, "connectors/importing/gallery.html#results", context)
    return render(request, "connectors/importing/gallery.html", context)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def template_form(request: HttpRequest, template_id: str) -> HttpResponse:
    require(request, "view_connector")
    template = template_by_id(template_id)
    if template is None:
        raise Http404("No such template.")
    may_create = request.user.has_perm("connectors.add_connector") and template["expressible"]
    context = {"template": template, "may_create": may_create, "plan": None}
    if request.method == "GET":
        context["form"] = TemplateForm(template, request.user)
        return render(request, "connectors/importing/template_form.html", context)

    require(request, "add_connector")
    if not template["expressible"]:
        messages.error(request, f"This template cannot be created yet: {template['reason']}")
        return redirect("template_form", template_id=template_id)
    form = TemplateForm(template, request.user, request.POST)
    if form.is_valid():
        made = plan(template, form)
        for problem in problems(made):
            form.add_error(None, problem)
        shown = request.POST.get("digest")
        # No preview seen, or answers changed after it: show what they make now, write nothing.
        stale = (
            not form.errors
            and "create" in request.POST
            and (not shown or staging.differs_from(shown, _digest(made)))
        )
        if stale:
            form.add_error(None, staging.refusal(previewed=bool(shown)))
        if not form.errors and "create" in request.POST:
            try:
                action = apply_template(made, request.user)
            except IntegrityError:
                form.add_error(
                    None,
                    "Someone created a connector or credential of the same name meanwhile: "
                    "change the name and press Preview again.",
                )
            else:
                messages.success(
                    request,
                    f"Created {made.plan.connector.name} from the {template['vendor']} template. "
                    "Press Test to try its first action.",
                )
                return redirect(action.get_absolute_url())
        if not form.errors or stale:
            context["plan"] = made
            context["settings"] = shown_settings(made)
            context["digest"] = _digest(made)
    form.keep_typed_secrets()
    context["form"] = form
    return render(request, "connectors/importing/template_form.html", context)


def _digest(made: GalleryPlan) -> str:
    return staging.answers_digest(compare.against_catalog(copy.deepcopy(made.plan)))
