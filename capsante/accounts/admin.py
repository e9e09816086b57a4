from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin

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


# Django's own account pages: a staff member with the permissions could otherwise promote
# themselves to superuser.
User = get_user_model()
for model, model_admin in ((User, UserAdmin), (Group, GroupAdmin)):
    admin.site.unregister(model)
    admin.site.register(
        model, type(f"Scoped{model_admin.__name__}", (SuperuserOnlyAdmin, model_admin), {})
    )
