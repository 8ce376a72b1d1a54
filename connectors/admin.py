"""The Django admin: the same validation as the forms, secrets write-only."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, QueryDict

from connectors.catalog import history, writes
from connectors.engine import channels, monitors, runs
from connectors.forms import versioned
from connectors.forms.action import ActionForm
from connectors.forms.alert_channel import TargetInput
from connectors.forms.auth_forms import AUTH_FORMS, auth_form_for
from connectors.forms.connector import ConnectorForm
from connectors.forms.fields import SecretField
from connectors.lib import check_specs
from connectors.lib.admin_paging import EstimatedCountPaginator
from connectors.models import (
    Action,
    AlertChannel,
    Connector,
    Credential,
    Incident,
    InputArg,
    Monitor,
    Revision,
    TestRun,
)


def _auth_fields() -> dict[str, forms.Field]:
    """Every Auth Config type's fields, once each, optional at this level."""
    fields: dict[str, forms.Field] = {}
    for form_class in AUTH_FORMS.values():
        for name, field in form_class.base_fields.items():
            if name not in fields:
                fields[name] = field.__class__(**_field_kwargs(field))
    return fields


def _field_kwargs(field: forms.Field) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"label": field.label, "required": False, "help_text": field.help_text}
    if isinstance(field, forms.ChoiceField):
        kwargs["choices"] = field.choices
    return kwargs


class ConnectorAdminForm(ConnectorForm):
    """The connector form with every Auth Config field; the chosen type's form validates them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_auth_fields())
        if self.instance.pk:
            for name, value in self.instance.auth_settings.items():
                if name in self.fields:
                    self.initial[name] = value
        for name, field in self.fields.items():
            if isinstance(field, SecretField) and self.instance.pk:
                field.widget.stored = self.instance.auth_secrets.get(name)
        self.auth_form = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        auth_config = cleaned.get("auth_config") or Connector.AuthConfig.NO_AUTH
        data = QueryDict(mutable=True)  # lists kept: key/value tables post several values
        for key in self.data:
            many = hasattr(self.data, "getlist")
            data.setlist(f"auth-{key}", self.data.getlist(key) if many else [self.data[key]])
        instance = self.instance if self.instance.pk else None
        self.auth_form = auth_form_for(auth_config, data, instance)
        if self.auth_form.is_valid():
            self.check_auth(self.auth_form)
        if self.auth_form.errors:
            for name, errors in self.auth_form.errors.items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, error)
        return cleaned

    def save(self, commit: bool = True) -> Connector:
        connector = super().save(commit=False)
        connector.auth_settings = self.auth_form.auth_settings()
        connector.auth_secrets = self.auth_form.auth_secrets(self.user_name)
        connector.headers = self.headers_to_store(self.user_name)
        self.settle_homes(connector)
        if commit:
            connector.save()
        return connector


class LargeTableAdmin(admin.ModelAdmin):
    """A changelist that does not count a large table: PostgreSQL's estimate above 10,000."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50  # as the catalog: half the rows to render


class RecordedDeletionsAdmin(LargeTableAdmin):
    """Deletions from the admin are recorded in history (catalog.writes), so they can be undone."""

    recorded_with: list[str] = []  # select_related for what a revision names

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        writes.delete(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():  # all the selected, or none
            for obj in queryset.select_related(*self.recorded_with):
                writes.delete(obj, user=request.user)


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline's cells have no <label>: name each input for screen readers by its row
    and column ("Action 2 Path"), the Delete box included."""

    noun = "Row"

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        row = f"{self.noun} {index + 1}" if index is not None else f"New {self.noun.lower()}"
        for field in form.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("aria-label", f"{row} {field.label}")


class ActionInlineFormSet(LabelledInlineFormSet):
    noun = "Action"


class InputArgInlineFormSet(LabelledInlineFormSet):
    noun = "Input arg"


class ActionInlineForm(versioned.VersionedForm, forms.ModelForm):
    # Declared here too, so the tabular inline's header knows the column is hidden.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ActionInline(admin.TabularInline):
    model = Action
    form = ActionInlineForm
    formset = ActionInlineFormSet
    fields = ["name", "method", "path", "description", "version"]
    extra = 0
    show_change_link = True


@admin.register(Connector)
class ConnectorAdmin(RecordedDeletionsAdmin):
    """Saves refuse a stale version, as the pages do (the form's clean), and are recorded."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        writes.save_connector(obj, user=request.user, expected=form.started_from())
        for note in form.home_notes:  # secrets retired because a host moved
            self.message_user(request, note, messages.WARNING)

    form = ConnectorAdminForm
    inlines = [ActionInline]
    list_display = ["name", "display_name", "base_url", "auth_config", "updated_by", "updated_at"]
    list_filter = ["auth_config", "verify_tls"]
    search_fields = ["name", "display_name", "description", "base_url"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_by", "updated_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Connector | None = None) -> list:
        main = ["name", "display_name", "description", "base_url", "auth_config", "version"]
        fieldsets: list = [(None, {"fields": main})]
        shown: set[str] = set()
        for value, label in Connector.AuthConfig.choices:
            names = [n for n in AUTH_FORMS[value].base_fields if n not in shown]
            shown.update(names)
            if names:
                fieldsets.append((f"{label} fields", {"fields": names, "classes": ["collapse"]}))
        request_fields = [
            "variables",
            "headers",
            "timeout_seconds",
            "verify_tls",
            "updated_by",
            "updated_at",
        ]
        fieldsets.append(("Request defaults", {"fields": request_fields}))
        return fieldsets

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        kwargs["fields"] = None  # fields come from the form class and fieldsets
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.user_name = request.user.get_username()
        return form_class

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline actions: versioned and recorded like the action's own page."""
        started = {f.instance.pk: f.started_from() for f in formset.forms if f.instance.pk}
        actions = formset.save(commit=False)
        for action in formset.deleted_objects:
            writes.delete(action, user=request.user)
        for action in actions:
            writes.save_action(action, user=request.user, expected=started.get(action.pk))


_ARG_NAME_KEY = re.compile(r"^input_args-(\d+)-name$")


class ActionAdminForm(ActionForm):
    """ActionForm's checks, with declared args read from the inline rows being posted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        data = args[0] if args else kwargs.get("data")
        declared: dict[str, str] = {}
        if data is not None:
            for key in data:
                match = _ARG_NAME_KEY.match(key)
                if match and data.get(key) and not data.get(f"input_args-{match[1]}-DELETE"):
                    declared[data[key]] = data.get(f"input_args-{match[1]}-data_type", "string")
        connector = instance.connector if instance is not None and instance.pk else None
        if connector is None and data is not None and data.get("connector"):
            connector = Connector.objects.filter(pk=data.get("connector")).first()
        super().__init__(*args, connector=connector, declared_args=declared, **kwargs)

    def clean_name(self) -> str:
        self.connector = self.cleaned_data.get("connector") or self.connector
        return super().clean_name()

    def clean_checks(self) -> list[dict[str, Any]]:
        """Read by the one parser, and kept as it normalizes them (defaults filled in)."""
        try:
            return check_specs.parse_checks(self.cleaned_data.get("checks"))
        except check_specs.CheckError as error:
            raise ValidationError(str(error)) from None


class InputArgInline(admin.TabularInline):
    model = InputArg
    formset = InputArgInlineFormSet
    extra = 0


@admin.register(Action)
class ActionAdmin(RecordedDeletionsAdmin):
    """Saves refuse a stale version, as the pages do (the form's clean), and are recorded
    with the Input Args of the inline rows: written together in save_related."""

    form = ActionAdminForm
    inlines = [InputArgInline]
    list_display = ["name", "connector", "method", "path", "updated_by", "updated_at"]
    list_filter = ["method", "connector__auth_config"]
    search_fields = ["name", "description", "path", "connector__name"]
    list_select_related = ["connector", "updated_by"]
    fields = [
        "connector",
        "name",
        "description",
        "method",
        "path",
        "query_params",
        "headers",
        "body",
        "checks",
        "version",
    ]

    recorded_with = ["connector"]  # an action's revision names its connector

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # written with its Input Args in save_related, so its revision holds them

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        form.save_m2m()
        args, dropped = [], []
        for formset in formsets:  # the Input Args inline
            args += formset.save(commit=False)
            dropped += formset.deleted_objects
        writes.save_action(
            form.instance,
            user=request.user,
            expected=form.started_from(),
            args=args,
            dropped_args=dropped,
        )


@admin.register(Credential)
class CredentialAdmin(RecordedDeletionsAdmin):
    list_display = ["name", "hint", "allowed_hosts", "set_by", "set_at", "needs_confirmation"]
    list_filter = ["needs_confirmation"]
    fields = [
        "name",
        "hint",
        "allowed_hosts",
        "set_by",
        "set_at",
        "created_by",
        "created_via",
        "needs_confirmation",
        "confirmed_by",
        "confirmed_at",
    ]
    # Values, names and hosts change on the Credentials page, where they are checked (an
    # environment credential's name is reserved; hosts are parsed), and only by Admins;
    # confirming is a button there too.
    readonly_fields = fields
    search_fields = ["name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created on the Credentials page, where the value is sealed

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("connectors.manage_credentials")

    def save_model(self, request: HttpRequest, obj: Credential, form: Any, change: bool) -> None:
        writes.save_credential(obj, user=request.user)


class ErrorKindFilter(admin.SimpleListFilter):
    """Fixed choices: a SELECT DISTINCT over a million runs costs more than the page."""

    title = "error kind"
    parameter_name = "error_kind"
    NONE = "-"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        kinds = [(kind, f"{kind}: {title}") for kind, title in TestRun.ErrorKind.choices if kind]
        return [(self.NONE, "None (a response came back)"), *kinds]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(error_kind=TestRun.ErrorKind.NONE if value == self.NONE else value)


@admin.register(TestRun)
class TestRunAdmin(LargeTableAdmin):
    list_display = [
        "action",
        "user",
        "created_at",
        "status",
        "error_kind",
        "passed",
        "elapsed_ms",
        "pinned",
    ]
    list_filter = [ErrorKindFilter, "passed", "pinned"]
    list_select_related = ["action__connector", "user"]
    # The stored bytes of a binary body are downloaded from the Test panel, not shown here.
    exclude = ["response_bytes"]
    readonly_fields = [f.name for f in TestRun._meta.fields if f.name != "response_bytes"]

    # What the list shows; the request and response bodies are read on a run's own page.
    LISTED = [
        "id",
        "action",
        "user",
        "created_at",
        "status",
        "error_kind",
        "passed",
        "elapsed_ms",
        "pinned",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        runs_list = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name == "connectors_testrun_changelist":
            return runs_list.only(*self.LISTED, "action__name", "action__connector__name")
        return runs_list

    def delete_model(self, request: HttpRequest, obj: TestRun) -> None:
        super().delete_model(request, obj)
        runs.refresh_actions([obj.action_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        action_ids = set(queryset.values_list("action_id", flat=True))
        super().delete_queryset(request, queryset)
        runs.refresh_actions(action_ids)  # a deleted run may have been an action's last

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AlertChannelAdminForm(forms.ModelForm):
    """The same checks as the Alert channels page; the URL is write-only."""

    target = forms.CharField(
        label="Target",
        required=False,
        max_length=2000,
        widget=TargetInput(attrs={"autocomplete": "off", "class": "vTextField"}),
        help_text="An email address, or the webhook URL. A stored URL is never shown: leave "
        "blank to keep it, or type a new one to replace it.",
    )

    class Meta:
        model = AlertChannel
        fields = ["name", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == AlertChannel.Kind.EMAIL:
            self.initial["target"] = self.instance.address

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "name" in cleaned and "kind" in cleaned:
            try:
                channels.apply(
                    self.instance,
                    name=cleaned["name"],
                    kind=cleaned["kind"],
                    target=cleaned.get("target") or "",
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(AlertChannel)
class AlertChannelAdmin(admin.ModelAdmin):
    form = AlertChannelAdminForm
    list_display = ["name", "kind", "target_hint", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "kind", "target", "target_hint", "created_by", "created_at"]
    readonly_fields = ["target_hint", "created_by", "created_at"]

    @admin.display(description="Target now")
    def target_hint(self, obj: AlertChannel) -> str:
        return obj.target_hint if obj.pk else "—"

    def save_model(self, request: HttpRequest, obj: AlertChannel, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        event = Revision.Event.CHANGED if change else Revision.Event.CREATED
        history.record(obj, event, request.user)

    def delete_model(self, request: HttpRequest, obj: AlertChannel) -> None:
        self._record_deletion(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for channel in queryset:
            self._record_deletion(request, channel)

    def _record_deletion(self, request: HttpRequest, channel: AlertChannel) -> None:
        """As the Alert channels page does: the channel's deletion, and each monitor's loss."""
        history.record(channel, Revision.Event.DELETED, request.user)
        for monitor in channels.delete_channel(channel):
            note = f"Alert channel {channel.name} was deleted"
            history.record(monitor, Revision.Event.CHANGED, request.user, note=note)


class MonitorAdminForm(forms.ModelForm):
    """The service's rules (connectors.engine.monitors.check), every problem at its field."""

    class Meta:
        model = Monitor
        fields = [
            "name",
            "connector",
            "tag",
            "actions",
            "interval_seconds",
            "cron",
            "timezone",
            "inputs",
            "alert_after",
            "remind_every_hours",
            "channels",
            "active",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        actions = cleaned.get("actions") or []
        values = monitors.Values(
            name=cleaned.get("name") or "",
            connector=cleaned.get("connector") or "",
            tag=cleaned.get("tag") or "",
            actions=tuple(str(a) for a in actions) if isinstance(actions, list) else ("?",),
            interval_seconds=cleaned.get("interval_seconds"),
            cron=cleaned.get("cron") or "",
            timezone=cleaned.get("timezone") or "UTC",
            inputs=cleaned.get("inputs"),
            alert_after=cleaned.get("alert_after") or 2,
            remind_every_hours=cleaned.get("remind_every_hours"),
            active=bool(cleaned.get("active")),
        )
        for field, message in monitors.check(
            values, self.instance if self.instance.pk else None
        ).items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):
    form = MonitorAdminForm
    list_display = ["name", "state", "connector", "tag", "schedule_text", "next_run_at", "active"]
    list_filter = ["active", "health"]
    search_fields = ["name", "connector", "tag"]
    readonly_fields = ["health", "consecutive_failures", "next_run_at", "last_run"]

    def save_model(self, request: HttpRequest, obj: Monitor, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        schedule = {"interval_seconds", "cron", "timezone", "active"}
        if not change or schedule & set(form.changed_data):
            obj.next_run_at = monitors.first_slot(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the channels: then record
        event = Revision.Event.CHANGED if change else Revision.Event.CREATED
        history.record(form.instance, event, request.user)

    def delete_model(self, request: HttpRequest, obj: Monitor) -> None:
        history.record(obj, Revision.Event.DELETED, request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for monitor in queryset:
            history.record(monitor, Revision.Event.DELETED, request.user)
        super().delete_queryset(request, queryset)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Kept forever, written only by the alert rule: read-only here."""

    list_display = ["monitor_name", "opened_at", "closed_at"]
    search_fields = ["monitor_name"]
    readonly_fields = [
        "monitor",
        "monitor_name",
        "opened_at",
        "closed_at",
        "opened_by",
        "closed_by",
        "failing",
        "last_alert_at",
        "deliveries",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
