"""The one permission check every view starts with, and each user's role kept in the cache.

Django's ModelBackend reads a user's permissions with two queries on every request, and the
top bar reads their groups with a third. A role changes rarely, so the three answers are kept
in the cache per user, under a generation that every change of groups, memberships or grants
replaces: the next request reads them afresh. With a cache shared by every server
(CACHE_URL) a change shows at once everywhere; with the default per-process cache, in the
process that made it at once and in the others within ROLE_CACHE_SECONDS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission, User
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from connectors.catalog import queries
from connectors.models import Action, Connector

ROLE_CACHE_SECONDS = 60
GENERATION_KEY = "studio:roles:generation"
_BACKEND = ModelBackend()


def require(request: HttpRequest, perm: str) -> None:
    """403 unless the user's role holds `connectors.<perm>`."""
    if not request.user.has_perm(f"connectors.{perm}"):
        raise PermissionDenied


@dataclass(frozen=True)
class Role:
    group_names: tuple[str, ...]
    user_perms: frozenset[str]
    group_perms: frozenset[str]


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role:
    """The user's groups and permissions, from the cache when they are still current.

    Also hands the permissions to ModelBackend (its per-request attributes), so that every
    has_perm of this request is answered without a query.
    """
    if not user.is_authenticated:
        return Role((), frozenset(), frozenset())
    role = getattr(user, "_studio_role", None)
    if role is not None:
        return role
    # Who is a superuser, or active, is read with the user on every request: part of the key.
    key = f"studio:role:{user.pk}:{int(user.is_active)}{int(user.is_superuser)}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = _new_generation()
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        role = cached[1]
    else:
        role = _read_role(user)
        cache.set(key, (generation, role), ROLE_CACHE_SECONDS)
    user._studio_role = role
    if user.is_active and not user.is_superuser:  # a superuser's has_perm asks no one
        user._user_perm_cache = set(role.user_perms)
        user._group_perm_cache = set(role.group_perms)
        user._perm_cache = set(role.user_perms | role.group_perms)
    return role


def _read_role(user: AbstractBaseUser) -> Role:
    names = tuple(user.groups.order_by("name").values_list("name", flat=True))
    if not user.is_active or user.is_superuser:
        return Role(names, frozenset(), frozenset())
    return Role(
        names,
        frozenset(_BACKEND.get_user_permissions(user)),
        frozenset(_BACKEND.get_group_permissions(user)),
    )


def _new_generation() -> str:
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, None)
    return generation


def forget_roles() -> None:
    """Every cached role is read afresh: now, and again once the change commits (a request
    that read the old rows meanwhile must not keep them)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _forget(**kwargs: Any) -> None:
    if kwargs.get("action", "post_").startswith("post_"):  # m2m_changed says pre_ and post_
        forget_roles()


# Memberships, direct grants and a group's grants; groups and permissions renamed or removed;
# a user created or deleted (a new user may reuse a deleted one's id).
for _through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(_forget, sender=_through, dispatch_uid=f"studio-roles-{_through}")
for _model in (Group, Permission):
    post_save.connect(_forget, sender=_model, dispatch_uid=f"studio-roles-save-{_model}")
    post_delete.connect(_forget, sender=_model, dispatch_uid=f"studio-roles-delete-{_model}")


@receiver(user_logged_in, dispatch_uid="studio-roles-logged-in")
def _logged_in(sender: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
    role_of(user)  # read at login, so that the first page costs what every page does


@receiver(post_save, sender=User, dispatch_uid="studio-roles-user-saved")
def _user_saved(sender: type[User], instance: User, created: bool = False, **kwargs: Any) -> None:
    if created:
        forget_roles()


@receiver(post_delete, sender=User, dispatch_uid="studio-roles-user-deleted")
def _user_deleted(sender: type[User], instance: User, **kwargs: Any) -> None:
    forget_roles()


class CachedRoles:
    """Middleware: the signed-in user's role from the cache, before any view asks."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        role_of(request.user)
        return self.get_response(request)


def role_names(request: HttpRequest) -> dict[str, object]:
    """Context processor: the user's role names for the top bar."""
    user = getattr(request, "user", None)
    return {"role_names": role_of(user).group_names if user is not None else ()}


def connector_for(request: HttpRequest, name: str, perm: str = "view_connector") -> Connector:
    """The connector and who changed it last (its page shows them), in one query."""
    require(request, perm)
    return get_object_or_404(Connector.objects.select_related("updated_by"), name=name)


def action_for(
    request: HttpRequest,
    name: str,
    action_name: str,
    perm: str = "view_action",
    *,
    with_args: bool = False,
    with_draft: bool = False,
) -> Action:
    """The action and its connector; `with_args`: its input args too, read once for the
    inputs form, the body note and the executor; `with_draft`: what the user's unsaved draft
    of it posted (`draft_posted`, None without one), read in the same query, for a user who
    may change actions (catalog.queries.action)."""
    require(request, perm)
    drafts_of = (
        request.user.pk
        if with_draft and request.user.has_perm("connectors.change_action")
        else None
    )
    action = queries.action(name, action_name, with_args=with_args, drafts_of=drafts_of)
    if action is None:
        raise Http404("No Action matches the given query.")
    return action


def user_name(user: AbstractBaseUser | AnonymousUser) -> str:
    return user.get_username()
