from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Organisation, Profile


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "territory"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["territory"]


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "scope"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["scope", "user"]
