"""The catalog: connectors, their actions and input args, team credentials and Test runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from connectors.lib import check_specs
from connectors.lib.outbound import urls

IDENTIFIER_RE = r"^[A-Za-z][A-Za-z0-9_]{1,63}$"
validate_identifier = RegexValidator(
    IDENTIFIER_RE,
    "Use a letter, then letters, digits or _ (2 to 64 characters).",
)


def validate_base_url(value: str) -> None:
    """A Base URL is http(s), with a host every parser reads alike, and no query or fragment."""
    try:
        url = urls.parse_template(value, what="The Base URL")
    except urls.UnsafeURL as error:
        raise ValidationError(error.message) from None
    if url.query is not None or url.fragment is not None:
        raise ValidationError("The Base URL cannot carry a query string or fragment.")


def url_template_problem(value: str) -> str | None:
    """Why a URL template could not be held to its host: a {{...}} in its scheme or port, where
    a value could pick any port or protocol. A {{...}} may only fill a name in the host."""
    return urls.template_problem(value)


def validate_no_template_in_port(value: str) -> None:
    if problem := url_template_problem(value):
        raise ValidationError(problem)


def validate_path(value: str) -> None:
    if not value.startswith("/"):
        raise ValidationError("The path starts with /.")
    if "?" in value or "#" in value:
        raise ValidationError("Put query parameters in Query Params, not in the path.")


def validate_checks(value: object) -> None:
    """The one parser of checks (connectors.lib.check_specs), for the admin and the importers."""
    try:
        check_specs.parse_checks(value)
    except check_specs.CheckError as error:
        raise ValidationError(str(error)) from None


# Kept by connectors.runs only; a form's save leaves them alone (connectors.versions).
LAST_RUN_FIELDS = (
    "last_run_at",
    "last_run_status",
    "last_run_error",
    "last_run_passed",
    "runs_since_prune",
)
# The catalog's "Last Test" filter: the last run passed as TestRun.passed says (sent, answered,
# every check passed), so a 200 whose body fails a check is failing.
LAST_RUN_PASSED = models.Q(last_run_passed=True)
LAST_RUN_NEVER = models.Q(last_run_at__isnull=True)
LAST_RUN_OUTCOMES: dict[str, models.Q] = {
    "never": LAST_RUN_NEVER,
    "passing": LAST_RUN_PASSED & ~LAST_RUN_NEVER,
    "failing": ~LAST_RUN_PASSED & ~LAST_RUN_NEVER,
}
# One index per catalog sort and filter (partial ones for the Last Test filter), so that a page
# reads its 50 entries from an index; the id ends each one, so the page's ids come from the
# index alone.
CATALOG_SORTS = {"name": ["name"], "changed": ["-updated_at", "name"]}
CATALOG_INDEXES = [
    models.Index(fields=[*fields, "id"], name=f"connector_{name}")
    for name, fields in [
        *CATALOG_SORTS.items(),
        ("auth_name", ["auth_config", "name"]),
        ("auth_changed", ["auth_config", "-updated_at", "name"]),
        ("by_name", ["updated_by", "name"]),
    ]
] + [
    models.Index(fields=[*fields, "id"], condition=condition, name=f"connector_{outcome}_{sort}")
    for outcome, condition in LAST_RUN_OUTCOMES.items()
    for sort, fields in CATALOG_SORTS.items()
]


class Connector(models.Model):
    class AuthConfig(models.TextChoices):
        NO_AUTH = "NO_AUTH", "No Auth"
        API_KEY = "API_KEY", "Api Key Auth"
        BASIC = "BASIC", "Basic Auth"
        DIGEST = "DIGEST", "Digest Auth"
        BEARER = "BEARER", "Bearer Token Auth"
        OAUTH2 = "OAUTH2", "OAuth 2.0"
        JWT = "JWT", "JWT Auth"

    name = models.CharField("Name", max_length=64, validators=[validate_identifier])
    display_name = models.CharField("Display Name", max_length=200, blank=True)
    description = models.TextField("Description", blank=True)
    base_url = models.CharField("Base URL", max_length=2000, validators=[validate_base_url])
    auth_config = models.CharField(
        "Auth Config", max_length=32, choices=AuthConfig, default=AuthConfig.NO_AUTH
    )
    # The chosen Auth Config's plain fields (e.g. header_auth_key); its secret
    # fields live encrypted in auth_secrets as {field: sealed secret}.
    auth_settings = models.JSONField(default=dict, blank=True)
    auth_secrets = models.JSONField(default=dict, blank=True)
    # Headers sent with every action: [{"key": ..., "value": ...}].
    headers = models.JSONField("Headers", default=list, blank=True)
    # Named, non-secret values usable as {{name}} everywhere: [{"key": ..., "value": ...}].
    variables = models.JSONField("Connector Variables", default=list, blank=True)
    timeout_seconds = models.PositiveIntegerField(
        "Timeout (seconds)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )
    verify_tls = models.BooleanField("Verify TLS", default=True)
    # Optimistic locking: a save must name the version it started from (connectors.versions).
    version = models.PositiveIntegerField(default=1)

    # The newest Test run of any of its actions: time, status and error kind, kept by
    # connectors.runs when a run is stored or deleted, so the catalog need not search the runs.
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_status = models.PositiveIntegerField(null=True, blank=True, editable=False)
    last_run_error = models.CharField(max_length=32, blank=True, editable=False)
    last_run_passed = models.BooleanField(default=False, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        indexes = CATALOG_INDEXES
        constraints = [
            models.UniqueConstraint(fields=["name"], name="connector_name_unique"),
            models.CheckConstraint(
                condition=models.Q(timeout_seconds__gte=1, timeout_seconds__lte=300),
                name="connector_timeout_range",
            ),
        ]
        permissions = [("run_test", "Can run a Test of an action")]

    def __str__(self) -> str:
        return self.display_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("connector_detail", args=[self.name])

    def setting(self, key: str, default: Any = "") -> Any:
        return self.auth_settings.get(key, default)


class Action(models.Model):
    class Method(models.TextChoices):
        GET = "GET"
        POST = "POST"
        PUT = "PUT"
        PATCH = "PATCH"
        DELETE = "DELETE"

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="actions")
    name = models.CharField("Name", max_length=64, validators=[validate_identifier])
    description = models.TextField("Description", blank=True)
    method = models.CharField("Method", max_length=8, choices=Method, default=Method.GET)
    path = models.CharField("Path", max_length=2000, default="/", validators=[validate_path])
    # [{"key": ..., "value": ...}] in the order the user gave them.
    query_params = models.JSONField("Query Params", default=list, blank=True)
    headers = models.JSONField("Headers", default=list, blank=True)
    body = models.TextField("Body", blank=True)
    output_schema = models.JSONField("Output Schema", null=True, blank=True)
    # Labels for grouping on the connector page, e.g. an API description's tags: ["pets"].
    tags = models.JSONField("Tags", default=list, blank=True)
    # What a Test's answer must satisfy (connectors.lib.check_specs); none means status 2xx.
    checks = models.JSONField("Checks", default=list, blank=True, validators=[validate_checks])
    version = models.PositiveIntegerField(default=1)

    # The newest Test run's time, status and error kind, kept by connectors.runs when a run is
    # stored or deleted, so the catalog reads them instead of searching the runs.
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_status = models.PositiveIntegerField(null=True, blank=True, editable=False)
    last_run_error = models.CharField(max_length=32, blank=True, editable=False)
    last_run_passed = models.BooleanField(default=False, editable=False)
    # Runs stored since its expired runs were last pruned: storing prunes once it passes
    # STUDIO_RUNS_PER_ACTION (connectors.engine.runs).
    runs_since_prune = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "-id"], name="action_admin_order"),
            # Covers the connector page's sort by tag: it never reads the (large) rows themselves.
            models.Index(fields=["connector", "tags", "name"], name="action_tag_listing"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "name"], name="action_name_unique_in_connector"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connector.name}.{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("action_detail", args=[self.connector.name, self.name])

    def header_value(self, key: str) -> str | None:
        for row in self.headers:
            if row["key"].lower() == key.lower():
                return row["value"]
        return None


class InputArg(models.Model):
    class DataType(models.TextChoices):
        STRING = "string"
        NUMBER = "number"
        BOOLEAN = "boolean"
        OBJECT = "object"
        ARRAY = "array"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="input_args")
    name = models.CharField("Name", max_length=64, validators=[validate_identifier])
    data_type = models.CharField(
        "Data Type", max_length=16, choices=DataType, default=DataType.STRING
    )
    description = models.CharField("Description", max_length=500, blank=True)
    example_value = models.TextField("Example Value", blank=True)
    required = models.BooleanField("Required", default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "name"], name="input_arg_name_unique_in_action"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Credential(models.Model):
    """A team secret that secret fields reference as {{NAME}}."""

    class Via(models.TextChoices):
        """The path a credential was created through."""

        PAGE = "page", "the Credentials page"
        CURL = "curl", "cURL import"
        API = "api", "Import API"
        TEMPLATE = "template", "a template"
        CATALOG = "catalog", "catalog import"
        UNKNOWN = "", "an unknown path"

    name = models.CharField("Name", max_length=64, validators=[validate_identifier])
    sealed = models.TextField()  # Fernet token of the value
    hint = models.CharField(max_length=80, blank=True)
    # Where the value may be sent: host names, *.example.com, with an optional :port.
    allowed_hosts = models.JSONField("Allowed hosts", default=list, blank=True)
    # Set when the hosts were filled in for the Admin (at upgrade), until an Admin saves them.
    hosts_note = models.CharField(max_length=500, blank=True)
    set_at = models.DateTimeField(auto_now=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who made it and how; a credential someone other than an Admin made (before only Admins
    # could) stays flagged on the Credentials page until an Admin confirms or deletes it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_via = models.CharField(max_length=16, choices=Via, blank=True)
    needs_confirmation = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="credential_name_unique")]
        permissions = [("manage_credentials", "Can create, replace and delete credentials")]

    def __str__(self) -> str:
        return self.name

    @property
    def flag(self) -> str:
        """Why an Admin should look at it: "created by dev through cURL import, allowed for
        evil.example"; blank once confirmed, or when an Admin made it."""
        if not self.needs_confirmation:
            return ""
        who = self.created_by.get_username() if self.created_by else "someone who is not an Admin"
        hosts = ", ".join(self.allowed_hosts or []) or "no host"
        return f"created by {who} through {self.get_created_via_display()}, allowed for {hosts}"


class TestRun(models.Model):
    """One press of Test: the request as sent (secrets masked) and what came back."""

    __test__ = False  # not a pytest test class

    class ErrorKind(models.TextChoices):
        """Why a Test has no usable response; "" when it has one. The network door
        (connectors.lib.outbound, below this layer) names its failures with the same values."""

        NONE = "", "None"
        AUTH_FAILED = "AuthFailed", "Authorization failed"
        BAD_RESPONSE = "BadResponse", "Unreadable response"
        BLOCKED = "Blocked", "Address blocked"
        CANCELLED = "Cancelled", "Cancelled"
        CONNECT_ERROR = "ConnectError", "Could not connect"
        CONNECT_TIMEOUT = "ConnectTimeout", "Could not connect in time"
        CONSTRUCT_ERROR = "ConstructError", "Could not build the request"
        CREDENTIAL_MISSING = "CredentialMissing", "Credential missing"
        DNS_ERROR = "DNSError", "Host not found"
        DEADLINE = "Deadline", "Timed out"
        INVALID_HEADER = "InvalidHeader", "Invalid header"
        INVALID_URL = "InvalidURL", "Invalid URL"
        OUTBOUND_ERROR = "OutboundError", "Request failed"
        REDIRECT = "Redirect", "Redirect not followed"
        REQUEST_TOO_LARGE = "RequestTooLarge", "Request too large"
        SECRET_UNREADABLE = "SecretUnreadable", "Secret unreadable"
        TLS_ERROR = "TLSError", "Secure connection failed"
        TOO_LARGE = "TooLarge", "Response too large"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="test_runs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    inputs = models.JSONField(default=dict)
    request_method = models.CharField(max_length=8)
    request_url = models.TextField(blank=True)
    request_headers = models.JSONField(default=list)
    request_body = models.TextField(blank=True)
    request_curl = models.TextField(blank=True)  # with $NAME placeholders for secrets
    # The same request as data for "Copy as": {"method", "url", "headers", "body", "secrets"}.
    request_shape = models.JSONField(default=dict, blank=True)
    status = models.PositiveIntegerField(null=True)
    reason = models.CharField(max_length=200, blank=True)
    response_headers = models.JSONField(default=list)
    response_body = models.TextField(blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body_truncated = models.BooleanField(default=False)
    is_binary = models.BooleanField(default=False)
    elapsed_ms = models.FloatField(null=True)
    size = models.PositiveBigIntegerField(null=True)
    error_kind = models.CharField(max_length=32, blank=True, choices=ErrorKind)
    error_message = models.TextField(blank=True)
    # The team credential a CredentialMissing run needed: the panel offers to create it.
    missing_credential = models.CharField(max_length=64, blank=True)
    # Kept by a user: never removed by retention (connectors.runs).
    pinned = models.BooleanField("Keep", default=False)
    # A binary body's bytes, for its download; empty when withheld (see bytes_withheld).
    response_bytes = models.BinaryField(blank=True, default=b"")
    bytes_withheld = models.CharField(max_length=300, blank=True)  # why the bytes were not kept
    # Each redirect answer on the way ({"url", "status", "location", "set_cookies"}), masked.
    redirects = models.JSONField(default=list)
    final_url = models.TextField(blank=True)  # where the response came from, after redirects
    # Sent, answered, and every check passed (connectors.engine.checks); each check's outcome
    # as {"type", "passed", "detail", "expected", "actual", "label"}, masked like the body.
    passed = models.BooleanField(default=False)
    check_results = models.JSONField(default=list, blank=True)
    # The unsaved request a Test sent ({"method", "path", ...}); null: the saved action.
    draft = models.JSONField(null=True, blank=True)
    # Milliseconds per phase as the network door measured them (dns, connect, tls, ...).
    timing = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["action", "-created_at", "-id"], name="testrun_action_newest"),
            models.Index(fields=["-created_at", "-id"], name="testrun_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class ActionDraft(models.Model):
    """One user's unsaved edit of an action's request, kept until Save or Discard."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="drafts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The form as posted ({field name: [values]}): shown again exactly as it was typed.
    posted = models.JSONField(default=dict)
    # The action's version the draft started from.
    base_version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "user"], name="action_draft_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.action} draft by {self.user_id}"


class Revision(models.Model):
    """One recorded change of a connector, action, credential, monitor or alert channel
    (connectors.catalog.history)."""

    class Kind(models.TextChoices):
        CONNECTOR = "connector"
        ACTION = "action"
        CREDENTIAL = "credential"
        MONITOR = "monitor"
        CHANNEL = "channel", "Alert channel"

    class Event(models.TextChoices):
        CREATED = "created"
        CHANGED = "changed"
        DELETED = "deleted"
        RESTORED = "restored"

    kind = models.CharField(max_length=16, choices=Kind)
    # The object's id: kept after a deletion, and reused when the deletion is undone.
    object_id = models.PositiveBigIntegerField()
    object_name = models.CharField(max_length=100)  # monitors and channels take 100
    connector_name = models.CharField(max_length=64, blank=True)  # for actions
    event = models.CharField(max_length=16, choices=Event)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The object as stored: sealed secrets stay sealed here, never plaintext.
    snapshot = models.JSONField(default=dict)
    version = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id", "-at"], name="revision_object_recent")]
        permissions = [
            ("restore_revision", "Can restore an earlier version or undo a deletion"),
            ("import_catalog", "Can import connectors into the catalog"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_name} {self.event} at {self.at:%Y-%m-%d %H:%M:%S}"


class SuiteRun(models.Model):
    """ "Test all" on a connector, a tag or a selection: every action's Test, run by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        FINISHED = "finished"
        # Its worker stopped before the end (killed, machine lost): marked by the monitor tick.
        INTERRUPTED = "interrupted"

    # What was chosen, as given: {"connector": name, "tag": tag, "connectors": [names],
    # "actions": [names]}; scope_key is its canonical text, so runs of one scope compare.
    scope = models.JSONField(default=dict)
    scope_key = models.CharField(max_length=1000)
    title = models.CharField(max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    # Counted as results land, so the progress needs no aggregate over the results.
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errored = models.PositiveIntegerField(default=0)
    # Why the worker could not finish it (never a secret: no request detail goes here).
    problem = models.TextField(blank=True)
    # A monitor's run: which monitor, and the slot (the scheduled time) it ran for.
    monitor = models.ForeignKey(
        "Monitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="suite_runs"
    )
    slot_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["scope_key", "-created_at", "-id"], name="suiterun_scope_newest"),
            models.Index(fields=["-created_at", "-id"], name="suiterun_newest"),
            models.Index(fields=["monitor", "-created_at"], name="suiterun_monitor_newest"),
            models.Index(fields=["status", "started_at"], name="suiterun_status_started"),
        ]
        constraints = [
            # The last word on "a slot runs once": a second run of one slot cannot be stored.
            models.UniqueConstraint(
                fields=["monitor", "slot_at"],
                condition=models.Q(monitor__isnull=False, slot_at__isnull=False),
                name="suiterun_one_per_monitor_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"Suite run {self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("suite_run_detail", args=[self.pk])

    @property
    def done(self) -> int:
        return self.passed + self.failed + self.errored

    @property
    def finished(self) -> bool:
        return self.status == self.Status.FINISHED

    @property
    def ended(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.INTERRUPTED)

    @property
    def all_passed(self) -> bool:
        """Finished, ran something, and every action passed."""
        return (
            self.status == self.Status.FINISHED
            and not self.problem
            and self.total > 0
            and self.passed == self.total
        )


class SuiteResult(models.Model):
    """One action of a suite run: its outcome, kept when the action or its run is removed."""

    class Outcome(models.TextChoices):
        PENDING = "pending"
        PASSED = "passed"
        FAILED = "failed"  # sent and answered, a check failed
        ERRORED = "errored"  # not sent, or no answer

    suite_run = models.ForeignKey(SuiteRun, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveIntegerField()
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connector_name = models.CharField(max_length=64)
    action_name = models.CharField(max_length=64)
    # The TestRun's id, not a foreign key: retention deletes runs in bulk without reading them,
    # and a result whose run was removed keeps its outcome, time and checks.
    run_id = models.PositiveBigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome, default=Outcome.PENDING)
    status = models.PositiveIntegerField(null=True, blank=True)
    error_kind = models.CharField(max_length=32, blank=True)
    elapsed_ms = models.FloatField(null=True, blank=True)
    # [{"type", "passed", "detail"}], read from the masked run.
    checks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["suite_run", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["suite_run", "position"], name="suiteresult_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connector_name}.{self.action_name}: {self.outcome}"

    @property
    def passed(self) -> bool | None:
        return None if self.outcome == self.Outcome.PENDING else self.outcome == self.Outcome.PASSED


class AlertChannel(models.Model):
    """Where a monitor's alerts go: an email address, or a webhook URL kept sealed.

    A webhook URL is a secret (Slack's and Teams' carry their token in the path): stored sealed
    with a hint (host and last 4) and its home, the origin it was entered for, checked at send
    (connectors.secrets.channel_urls). The address of an email channel is plain."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook (JSON)"
        SLACK = "slack", "Slack incoming webhook"
        TEAMS = "teams", "Teams incoming webhook"

    name = models.CharField("Name", max_length=100)
    kind = models.CharField("Kind", max_length=16, choices=Kind, default=Kind.EMAIL)
    address = models.EmailField("Email address", max_length=254, blank=True)
    url_sealed = models.TextField(blank=True)  # Fernet token of the URL
    url_hint = models.CharField(max_length=300, blank=True)  # host and last 4: what pages show
    url_home = models.CharField(max_length=300, blank=True)  # scheme://host:port entered for
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="alert_channel_name_unique"),
            # An email channel has an address and no URL; a webhook channel the reverse.
            models.CheckConstraint(
                condition=(
                    models.Q(kind="email", url_sealed="") & ~models.Q(address="")
                    | ~models.Q(kind="email") & models.Q(address="") & ~models.Q(url_sealed="")
                ),
                name="alert_channel_target_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target_hint(self) -> str:
        """What a page may show of the target: the address, or the URL's host and last 4."""
        return self.address if self.kind == self.Kind.EMAIL else self.url_hint


class Monitor(models.Model):
    """A scope (a connector, a tag, or chosen actions of a connector) run on a schedule, with an
    alert rule and the channels its alerts go to. Each slot of the schedule makes one SuiteRun.

    The schedule is every `interval_seconds`, or a cron expression read in `timezone`. The tick
    claims a due monitor by moving `next_run_at` with one conditional UPDATE."""

    class Health(models.TextChoices):
        PENDING = "pending"  # no finished run yet
        PASSING = "passing"
        FAILING = "failing"

    name = models.CharField("Name", max_length=100)
    connector = models.CharField("Connector", max_length=64, blank=True)
    tag = models.CharField("Tag", max_length=200, blank=True)
    actions = models.JSONField("Actions", default=list, blank=True)  # names, of `connector`
    interval_seconds = models.PositiveIntegerField("Every (seconds)", null=True, blank=True)
    cron = models.CharField("Cron", max_length=200, blank=True)
    timezone = models.CharField("Time zone", max_length=64, default="UTC")
    # {"action" or "Connector.action": {"arg": "value"}}: replaces those example values.
    inputs = models.JSONField("Inputs", default=dict, blank=True)
    alert_after = models.PositiveSmallIntegerField(
        "Alert after", default=2, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    remind_every_hours = models.PositiveIntegerField("Remind every (hours)", null=True, blank=True)
    channels = models.ManyToManyField(AlertChannel, blank=True, related_name="monitors")
    active = models.BooleanField("Active", default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    health = models.CharField(max_length=16, choices=Health, default=Health.PENDING)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_run = models.ForeignKey(
        SuiteRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "next_run_at"], name="monitor_due")]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="monitor_name_unique"),
            # Exactly one schedule: an interval or a cron expression.
            models.CheckConstraint(
                condition=(
                    models.Q(interval_seconds__isnull=False, cron="")
                    | models.Q(interval_seconds__isnull=True) & ~models.Q(cron="")
                ),
                name="monitor_one_schedule",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("monitor_detail", args=[self.pk])

    @property
    def state(self) -> str:
        """passing, failing, paused or pending."""
        return self.health if self.active else "paused"

    @property
    def schedule_text(self) -> str:
        if self.cron:
            return f"cron {self.cron} ({self.timezone})"
        seconds = self.interval_seconds or 0
        if seconds % 3600 == 0:
            hours = seconds // 3600
            return f"every {hours} hour{'s' if hours != 1 else ''}"
        if seconds % 60 == 0:
            minutes = seconds // 60
            return f"every {minutes} minute{'s' if minutes != 1 else ''}"
        return f"every {seconds} seconds"


class Incident(models.Model):
    """A time a monitor was failing enough to alert: opened with the alert, closed when it
    passed again. Kept forever (not pruned with runs); the alerts sent are in `deliveries`."""

    monitor = models.ForeignKey(
        Monitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    monitor_name = models.CharField(max_length=100)  # as it was, once the monitor is deleted
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        SuiteRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by = models.ForeignKey(
        SuiteRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failing = models.JSONField(default=list, blank=True)  # ["Connector.action", ...] at opening
    last_alert_at = models.DateTimeField(null=True, blank=True)
    # [{"at", "kind": failing|reminder|recovered, "channel", "ok", "summary"}]
    deliveries = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["monitor", "-opened_at"], name="incident_monitor_newest")]
        constraints = [
            models.UniqueConstraint(
                fields=["monitor"],
                condition=models.Q(closed_at__isnull=True, monitor__isnull=False),
                name="incident_one_open_per_monitor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.monitor_name} from {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def open(self) -> bool:
        return self.closed_at is None


class ApiToken(models.Model):
    """A personal token for the REST API: it acts with its user's role.

    Only a SHA-256 digest of the token is kept (the token is 256 random bits, so a fast digest
    is enough), with its last 4 characters as a hint; the token itself is shown once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("Name", max_length=100)
    digest = models.CharField(max_length=64, editable=False)
    hint = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("Expires", null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["digest"], name="api_token_digest_unique")]
        permissions = [("manage_api_tokens", "Can see and revoke everyone's API tokens")]

    def __str__(self) -> str:
        return f"{self.name} (••••{self.hint})"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
