from __future__ import annotations

from django.urls import path

from connectors import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("new/", views.connector_form, name="connector_create"),
    path("auth-fields/", views.auth_fields, name="auth_fields"),
    path("connectors/<str:name>/", views.connector_detail, name="connector_detail"),
    path("connectors/<str:name>/edit/", views.connector_form, name="connector_edit"),
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
        "connectors/<str:name>/actions/<str:action_name>/runs/",
        views.action_runs,
        name="action_runs",
    ),
    path(
        "connectors/<str:name>/actions/<str:action_name>/schema/",
        views.action_schema,
        name="action_schema",
    ),
]
