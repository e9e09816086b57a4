"""Tokens in the Django admin: created and revoked by superusers and by regional admins within
their scope (accounts.admin_access.ScopedAdmin); the secret is shown once, on the page that
follows the creation, and is never stored."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts import access
from capsante.accounts.admin_access import ScopedAdmin
from capsante.territories.models import Territory
from capsante.ui.formats import plural

from . import tokens
from .models import ApiToken

SCOPE_LEVELS = ("region", "departement", "epci", "groupement")


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "scope"
    territory_levels = SCOPE_LEVELS
    list_display = [
        "name",
        "prefix",
        "organisation",
        "role",
        "scope",
        "state",
        "created_at",
        "last_used_at",
        "expires_at",
    ]
    list_filter = ["role"]
    search_fields = ["name", "prefix", "organisation__name"]
    fields = ["name", "organisation", "role", "scope", "expires_at"]
    actions = ["revoke_selected"]

    @admin.display(description="état")
    def state(self, obj: ApiToken) -> str:
        return obj.state

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [
            *self.fields,
            "prefix",
            "account",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
        ]

    def get_readonly_fields(self, request, obj=None):
        # A token is not edited: its role and scope are what its holder was given. Revoke it
        # and create another.
        return self.get_fields(request, obj) if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: what it wrote points to it

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "scope" and access.can_manage_accounts(request.user):
            # Superusers choose among the territories a partner works on, not 35,000 communes.
            field.queryset = Territory.objects.filter(level__in=SCOPE_LEVELS).order_by(
                "level", "code"
            )
        return field

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        try:
            obj._secret = tokens.issue(obj, request.user)
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(
            request,
            "admin/api/token_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "Jeton créé",
                "token": obj,
                "secret": obj._secret,
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Révoquer les jetons sélectionnés", permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for token in queryset.select_related("scope", "account"):
            if token.revoked_at is None:
                tokens.revoke(token, request.user)
                revoked += 1
        self.message_user(
            request, f"{plural(revoked, 'jeton révoqué', 'jetons révoqués')}.", messages.SUCCESS
        )
