from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin

from capsante.territories.admin import TerritoryAdmin, TerritoryLoadAdmin
from capsante.territories.models import Territory, TerritoryLoad

from .admin_access import SuperuserOnlyAdmin
from .models import Organisation, Profile


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "territory"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["territory"]


@admin.register(Profile)
class ProfileAdmin(SuperuserOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "scope"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["scope", "user"]


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
