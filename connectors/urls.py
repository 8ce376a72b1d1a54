from __future__ import annotations

from django.urls import path

from connectors.views import (
    actions,
    catalog,
    connectors,
    credentials,
    gallery,
    help,
    history,
    importing_api,
    importing_catalog,
    importing_curl,
    oauth,
    runs,
)

urlpatterns = [
    path("", catalog.catalog, name="catalog"),
    path("help/", help.readme, name="help"),
    path("new/", connectors.connector_form, name="connector_create"),
    path("templates/", gallery.gallery, name="gallery"),
    path("templates/<str:template_id>/", gallery.template_form, name="template_form"),
    path("export/", importing_catalog.export_view, name="catalog_export"),
    path("import/", importing_catalog.import_view, name="catalog_import"),
    path("import/apply/", importing_catalog.import_apply, name="catalog_import_apply"),
    path("history/deleted/", history.deleted_list, name="deleted_list"),
    path("history/<int:pk>/", history.revision_detail, name="revision_detail"),
    path("history/<int:pk>/restore/", history.revision_restore, name="revision_restore"),
    path(
        "connectors/<str:name>/history/",
        history.connector_history,
        name="connector_history",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/history/",
        history.action_history,
        name="action_history",
    ),
    path(
        "credentials/<str:name>/history/",
        history.credential_history,
        name="credential_history",
    ),
    path("import-api/", importing_api.api_import, name="api_import"),
    path("import-curl/", importing_curl.curl_import, name="curl_import"),
    path(
        "connectors/<str:name>/import-curl/",
        importing_curl.curl_import,
        name="connector_curl_import",
    ),
    path("auth-fields/", connectors.auth_fields, name="auth_fields"),
    path("oauth/callback/", oauth.oauth_callback, name="oauth_callback"),
    path("connectors/<str:name>/oauth/authorize/", oauth.oauth_start, name="oauth_start"),
    path("connectors/<str:name>/token/clear/", oauth.token_clear, name="token_clear"),
    path("credentials/", credentials.credential_list, name="credential_list"),
    path("credentials/new/", credentials.credential_form, name="credential_create"),
    path(
        "credentials/<str:name>/replace/",
        credentials.credential_form,
        name="credential_replace",
    ),
    path(
        "credentials/<str:name>/confirm/",
        credentials.credential_confirm,
        name="credential_confirm",
    ),
    path(
        "credentials/<str:name>/delete/",
        credentials.credential_delete,
        name="credential_delete",
    ),
    path("connectors/<str:name>/", connectors.connector_detail, name="connector_detail"),
    path("connectors/<str:name>/edit/", connectors.connector_form, name="connector_edit"),
    path(
        "connectors/<str:name>/openapi.json",
        importing_api.connector_openapi,
        name="connector_openapi",
    ),
    path("connectors/<str:name>/delete/", connectors.connector_delete, name="connector_delete"),
    path("connectors/<str:name>/new-action/", actions.action_form, name="action_create"),
    path(
        "connectors/<str:name>/actions/<str:action_name>/",
        actions.action_detail,
        name="action_detail",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/edit/",
        actions.action_form,
        name="action_edit",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/delete/",
        actions.action_delete,
        name="action_delete",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/test/",
        actions.action_test,
        name="action_test",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/test/cancel/",
        actions.action_test_cancel,
        name="action_test_cancel",
    ),
    path(
        # The body as text; runs/<pk>/body/ is the binary body's bytes (response_download).
        "connectors/<str:name>/actions/<str:action_name>/runs/<str:run_id>/text/",
        actions.action_run_body,
        name="action_run_body",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/runs/",
        actions.action_runs,
        name="action_runs",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/runs/<int:run_id>/keep/",
        actions.run_keep,
        name="run_keep",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/runs/<int:pk>/body/",
        runs.run_body_download,
        name="run_body_download",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/schema/",
        actions.action_schema,
        name="action_schema",
    ),
]
