from __future__ import annotations

from django.urls import path

from connectors.views import catalog as views
from connectors.views import credentials as credential_views
from connectors.views import gallery as gallery_views
from connectors.views import history as history_views
from connectors.views import importing_api as api_import_views
from connectors.views import importing_catalog as catalog_io_views
from connectors.views import importing_curl as import_views
from connectors.views import oauth as oauth_views
from connectors.views import runs as response_download

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("new/", views.connector_form, name="connector_create"),
    path("templates/", gallery_views.gallery, name="gallery"),
    path("templates/<str:template_id>/", gallery_views.template_form, name="template_form"),
    path("export/", catalog_io_views.export_view, name="catalog_export"),
    path("import/", catalog_io_views.import_view, name="catalog_import"),
    path("import/apply/", catalog_io_views.import_apply, name="catalog_import_apply"),
    path("history/deleted/", history_views.deleted_list, name="deleted_list"),
    path("history/<int:pk>/", history_views.revision_detail, name="revision_detail"),
    path("history/<int:pk>/restore/", history_views.revision_restore, name="revision_restore"),
    path(
        "connectors/<str:name>/history/",
        history_views.connector_history,
        name="connector_history",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/history/",
        history_views.action_history,
        name="action_history",
    ),
    path(
        "credentials/<str:name>/history/",
        history_views.credential_history,
        name="credential_history",
    ),
    path("import-api/", api_import_views.api_import, name="api_import"),
    path("import-curl/", import_views.curl_import, name="curl_import"),
    path(
        "connectors/<str:name>/import-curl/",
        import_views.curl_import,
        name="connector_curl_import",
    ),
    path("auth-fields/", views.auth_fields, name="auth_fields"),
    path("oauth/callback/", oauth_views.oauth_callback, name="oauth_callback"),
    path("connectors/<str:name>/oauth/authorize/", oauth_views.oauth_start, name="oauth_start"),
    path("connectors/<str:name>/token/clear/", oauth_views.token_clear, name="token_clear"),
    path("credentials/", credential_views.credential_list, name="credential_list"),
    path("credentials/new/", credential_views.credential_form, name="credential_create"),
    path(
        "credentials/<str:name>/replace/",
        credential_views.credential_form,
        name="credential_replace",
    ),
    path(
        "credentials/<str:name>/confirm/",
        credential_views.credential_confirm,
        name="credential_confirm",
    ),
    path(
        "credentials/<str:name>/delete/",
        credential_views.credential_delete,
        name="credential_delete",
    ),
    path("connectors/<str:name>/", views.connector_detail, name="connector_detail"),
    path("connectors/<str:name>/edit/", views.connector_form, name="connector_edit"),
    path(
        "connectors/<str:name>/openapi.json",
        api_import_views.connector_openapi,
        name="connector_openapi",
    ),
    path("connectors/<str:name>/delete/", views.connector_delete, name="connector_delete"),
    path("connectors/<str:name>/new-action/", views.action_form, name="action_create"),
    path(
        "connectors/<str:name>/actions/<str:action_name>/",
        views.action_detail,
        name="action_detail",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/edit/",
        views.action_form,
        name="action_edit",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/delete/",
        views.action_delete,
        name="action_delete",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/test/",
        views.action_test,
        name="action_test",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/test/cancel/",
        views.action_test_cancel,
        name="action_test_cancel",
    ),
    path(
        # The body as text; runs/<pk>/body/ is the binary body's bytes (response_download).
        "connectors/<str:name>/actions/<str:action_name>/runs/<str:run_id>/text/",
        views.action_run_body,
        name="action_run_body",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/runs/",
        views.action_runs,
        name="action_runs",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/runs/<int:run_id>/keep/",
        views.run_keep,
        name="run_keep",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/runs/<int:pk>/body/",
        response_download.run_body_download,
        name="run_body_download",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/schema/",
        views.action_schema,
        name="action_schema",
    ),
]
