"""The action page's request, editable in place: the request, its Input Args and the values a
Test sends, bound together from one POST (or from the user's stored draft of it)."""

from __future__ import annotations

import copy
import shlex
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.http import QueryDict

from connectors import variables
from connectors.engine.drafts import Draft
from connectors.forms import error_summary
from connectors.forms.action import ActionForm, InputArgFormSet, TestInputsForm
from connectors.lib import templating
from connectors.lib.curl.parse import parse_curl
from connectors.lib.curl.shell import CurlParseError
from connectors.models import Action, Connector, InputArg

INPUTS_PREFIX = "in"
# Posted fields that are not part of the draft.
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "test_token", "bench", "add_arg", "autosave"})


class RequestForm(ActionForm):
    """The action form without Name and Description: what the page edits in place."""

    class Meta(ActionForm.Meta):
        fields = ["method", "path", "query_params", "headers", "body"]


class Bench:
    """The request, the Input Args and the Test values, bound or showing the saved action."""

    def __init__(
        self, action: Action, data: QueryDict | None = None, *, for_test: bool = False
    ) -> None:
        self.action = action
        self.connector: Connector = action.connector
        self.notes: list[str] = []
        if data is not None:
            data = data.copy()
            if for_test:  # a Test sends the screen whoever saved meanwhile: no version check
                data.pop("version", None)
            self.notes = split_pasted(data, self.connector)
            if name := data.get("add_arg", ""):
                add_input_arg(data, name)
        self.data = data
        shown = copy.copy(action)  # the form writes into its instance: never the page's action
        self.formset = InputArgFormSet(data, instance=shown, prefix="args")
        # The args the page already read (prefetched): the formset need not read them again.
        self.formset._queryset = list(action.input_args.all())
        formset_valid = self.formset.is_valid() if data is not None else True
        declared = self.formset.declared() if data is not None else _saved_types(action)
        self.form = RequestForm(
            data, instance=shown, connector=self.connector, declared_args=declared
        )
        self.inputs = TestInputsForm(data, input_args=self._args(), prefix=INPUTS_PREFIX)
        self._valid = data is not None and self.form.is_valid() and formset_valid

    def _args(self) -> list[InputArg]:
        if self.data is None:
            return list(self.action.input_args.all())
        return [InputArg(**row) for row in self._arg_rows()]

    def _arg_rows(self) -> list[dict[str, Any]]:
        rows = []
        for form in self.formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("name") and not data.get("DELETE"):
                rows.append(
                    {
                        "name": data["name"],
                        "data_type": data.get("data_type") or InputArg.DataType.STRING,
                        "description": data.get("description") or "",
                        "example_value": data.get("example_value") or "",
                        "required": bool(data.get("required")),
                    }
                )
        return rows

    def request_valid(self) -> bool:
        """The request and its Input Args hold (Save needs no more)."""
        return self._valid

    def is_valid(self) -> bool:
        """Everything a Test needs holds: the request and the values."""
        inputs_valid = self.inputs.is_valid()  # every error shown at once, never short-cut
        return self._valid and inputs_valid

    def draft(self) -> Draft:
        """The request as typed (call after request_valid())."""
        data = self.form.cleaned_data
        return Draft(
            method=data["method"],
            path=data["path"],
            query_params=list(data.get("query_params") or []),
            headers=list(data.get("headers") or []),
            body=data.get("body") or "",
            input_args=self._arg_rows(),
        )

    def changed(self) -> bool:
        """Whether the request on the screen differs from the saved action."""
        if self.data is None:
            return False
        if not self._valid:
            return True
        return self.draft() != saved_draft(self.action)

    def undeclared(self) -> list[str]:
        """`{{name}}`s the request uses that are neither an Input Arg nor a Connector Variable."""
        form = self.form
        texts = [str(form["path"].value() or ""), str(form["body"].value() or "")]
        for field in ("query_params", "headers"):
            rows = form[field].value() or []
            texts += [f"{row.get('key', '')} {row.get('value', '')}" for row in rows]
        known = {arg.name for arg in self._args()} | set(variables.of(self.connector))
        used: set[str] = set()
        for text in texts:
            try:
                used |= templating.variables(text)
            except templating.TemplateError:
                continue
        return sorted(used - known)

    def problems(self) -> list[error_summary.Problem]:
        labels = {
            field.id_for_label: f"Input arg {number} {field.label}"
            for number, arg_form in enumerate(self.formset.forms, start=1)
            for field in arg_form
        }
        found = error_summary.problems(self.form, *self.formset.forms, labels=labels)
        found += [error_summary.Problem("", "", e) for e in self.formset.non_form_errors()]
        if self.inputs.is_bound:
            found += error_summary.problems(self.inputs)
        return found

    def posted(self) -> dict[str, list[str]]:
        """What to keep as the draft: the form as posted, the pasted URL already split."""
        assert self.data is not None
        return {key: self.data.getlist(key) for key in self.data if key not in NOT_KEPT}


def _saved_types(action: Action) -> dict[str, str]:
    return {arg.name: arg.data_type for arg in action.input_args.all()}


def saved_draft(action: Action) -> Draft:
    """The saved action as a Draft, to compare the screen with."""
    fresh = Action.objects.get(pk=action.pk)
    return Draft(
        method=fresh.method,
        path=fresh.path,
        query_params=[{"key": r["key"], "value": r["value"]} for r in fresh.query_params],
        headers=[{"key": r["key"], "value": r["value"]} for r in fresh.headers],
        body=fresh.body,
        input_args=[
            {
                "name": arg.name,
                "data_type": arg.data_type,
                "description": arg.description,
                "example_value": arg.example_value,
                "required": arg.required,
            }
            for arg in fresh.input_args.all()
        ],
    )


def bound(posted: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in posted.items():
        data.setlist(key, [str(v) for v in values])
    return data


def add_input_arg(data: QueryDict, name: str) -> None:
    """A new Input Arg row named `name` (a string, not required), unless it is there."""
    total = int(data.get("args-TOTAL_FORMS") or 0)
    rows = range(total)
    if any(data.get(f"args-{i}-name") == name for i in rows):
        return
    blank = [i for i in rows if not data.get(f"args-{i}-name") and not data.get(f"args-{i}-id")]
    index = blank[0] if blank else total
    data[f"args-{index}-name"] = name
    data[f"args-{index}-data_type"] = InputArg.DataType.STRING
    data["args-TOTAL_FORMS"] = str(max(total, index + 1))


def _looks_pasted(path: str) -> bool:
    lowered = path.lower()
    return lowered.startswith(("http://", "https://", "curl ", "curl\n", "$ curl ")) or "?" in path


def split_pasted(data: QueryDict, connector: Connector) -> list[str]:
    """A full URL, a cURL command or a `?query` in Path, split into path, params, headers and
    body (what was split is said in the returned notes); anything else is left as it is."""
    path = (data.get("path") or "").strip()
    if not path or not _looks_pasted(path):
        return []
    lowered = path.lower()
    if lowered.startswith(("http://", "https://")) or "curl" in lowered.split(maxsplit=1)[0]:
        return _split_command(data, connector, path)
    bare, query = path.split("?", 1)
    data["path"] = bare or "/"
    _set_rows(data, "query_params", [*_rows(data, "query_params"), *_pairs(query)])
    return ["Moved the query string typed in Path into Query Params."]


def _pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k or v]


def _split_command(data: QueryDict, connector: Connector, text: str) -> list[str]:
    is_curl = not text.lower().startswith(("http://", "https://"))
    try:
        parsed = parse_curl(text if is_curl else "curl " + shlex.quote(text))
    except CurlParseError as error:
        return [f"Could not read the pasted command: {error} Path is left as pasted."]
    notes = []
    full = parsed.base_url + parsed.path
    base = connector.base_url.rstrip("/")
    if full.startswith(base + "/") or full == base:
        data["path"] = full[len(base) :] or "/"
    else:
        data["path"] = parsed.path or "/"
        origin = urlsplit(full)
        notes.append(
            f"The pasted URL goes to {origin.scheme}://{origin.netloc}, not this connector's "
            f"Base URL ({connector.base_url}): only its path was kept."
        )
    _set_rows(data, "query_params", parsed.query)
    if is_curl:
        data["method"] = parsed.method
        _set_rows(data, "headers", parsed.headers)
        data["body"] = parsed.body
    if parsed.auth is not None or parsed.secret_headers:
        notes.append(
            "The command's credentials were left out: the connector's Auth Config sends them."
        )
    what = "cURL command" if is_curl else "URL"
    return [f"Split the pasted {what} into path, params, headers and body.", *notes]


def _rows(data: QueryDict, name: str) -> list[tuple[str, str]]:
    keys, values = data.getlist(f"{name}_key"), data.getlist(f"{name}_value")
    return [(k, v) for k, v in zip(keys, values, strict=False) if k or v]


def _set_rows(data: QueryDict, name: str, rows: list[tuple[str, str]]) -> None:
    data.setlist(f"{name}_key", [k for k, _ in rows])
    data.setlist(f"{name}_value", [v for _, v in rows])
