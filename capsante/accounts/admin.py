from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin

from capsante.territories.admin import TerritoryAdmin, TerritoryLoadAdmin
from capsante.territories.models import Territory, TerritoryLoad

from . import grants
from .admin_access import SuperuserOnlyAdmin
from .models import ExternalIdentity, Organisation, OrganisationKind, Profile, Role


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "identifier", "territory"]
    list_filter = ["kind"]
    search_fields = ["name", "identifier"]
    autocomplete_fields = ["territory"]


@admin.register(Profile)
class ProfileAdmin(SuperuserOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "scope"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["scope", "user"]


class ApprovalForm(forms.ModelForm):
    """What an admin decides for an account created by a provider: its organisation (the one
    recognised from the declared SIRET, another, or a new one named as declared), role, scope."""

    new_organisation_kind = forms.ChoiceField(
        label="ou créer l’organisation déclarée, de type",
        choices=[("", "—")] + list(OrganisationKind.choices),
        required=False,
    )
    role = forms.ChoiceField(label="Rôle", choices=[("", "—")] + list(Role.choices))
    scope = forms.ModelChoiceField(
        label="Périmètre",
        queryset=Territory.objects.all(),
        help_text="Le territoire sur lequel s’exerce le rôle.",
        widget=AutocompleteSelect(Profile._meta.get_field("scope"), admin.site),
    )

    class Meta:
        model = ExternalIdentity
        fields = ["organisation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        profile = getattr(self.instance.user, "profile", None) if self.instance.pk else None
        if profile is not None:
            self.initial.update(role=profile.role, scope=profile.scope_id)
            self.initial.setdefault("organisation", profile.organisation_id)

    def clean(self):
        data = super().clean()
        if not data.get("organisation") and not data.get("new_organisation_kind"):
            raise forms.ValidationError(
                "Choisissez l’organisation, ou le type de l’organisation déclarée à créer."
            )
        if not data.get("organisation") and not self.instance.organisation_name:
            raise forms.ValidationError(
                "Le fournisseur n’a déclaré aucun nom d’organisation : choisissez-en une."
            )
        name = self.instance.organisation_name
        if not data.get("organisation") and Organisation.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                f"L’organisation « {name} » existe déjà : choisissez-la dans la liste."
            )
        return data


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(SuperuserOnlyAdmin, SimpleHistoryAdmin):
    """Accounts created by ProConnect or Pro Santé Connect: the pending ones first."""

    form = ApprovalForm
    list_display = ["user", "provider", "organisation_name", "organisation_identifier", "status"]
    list_filter = ["provider", ("approved_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__first_name", "user__last_name", "user__email", "organisation_name"]
    declared = [
        "user",
        "provider",
        "organisation_name",
        "organisation_identifier",
        "professional_identifier",
        "first_seen",
        "last_seen",
    ]
    readonly_fields = [*declared, "approved_at", "approved_by"]
    fieldsets = [
        ("Ce que dit le fournisseur d’identité", {"fields": declared}),
        (
            "Accès accordé",
            {
                "fields": [
                    "organisation",
                    "new_organisation_kind",
                    "role",
                    "scope",
                    "approved_at",
                    "approved_by",
                ]
            },
        ),
    ]

    def has_add_permission(self, request, *args):
        return False  # a provider's sign-in creates them

    @admin.display(description="état")
    def status(self, obj):
        return "accès accordé" if obj.approved_at else "en attente"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        organisation = data.get("organisation") or Organisation.objects.create(
            name=obj.organisation_name,
            identifier=obj.organisation_identifier,
            kind=data["new_organisation_kind"],
        )
        obj.organisation = organisation
        grants.approve(
            obj, by=request.user, organisation=organisation, role=data["role"], scope=data["scope"]
        )


# Django's own account pages, and the geography (a scope is a territory): a staff member with the
# permissions could otherwise promote themselves or widen their scope. Registered again here,
# where access is decided, on top of the admins their apps define.
User = get_user_model()
for model, model_admin in (
    (User, UserAdmin),
    (Group, GroupAdmin),
    (Territory, TerritoryAdmin),
    (TerritoryLoad, TerritoryLoadAdmin),
):
    admin.site.unregister(model)
    admin.site.register(
        model, type(f"Scoped{model_admin.__name__}", (SuperuserOnlyAdmin, model_admin), {})
    )
