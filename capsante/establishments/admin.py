from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from .models import Establishment


@admin.register(Establishment)
class EstablishmentAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "commune"
    list_display = ["finess_et", "name", "category_group", "commune", "active"]
    list_filter = ["category_group", "departement_code", "active"]
    search_fields = ["finess_et", "name"]
    readonly_fields = ["last_import"]
