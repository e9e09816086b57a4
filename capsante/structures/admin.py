from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Structure


@admin.register(Structure)
class StructureAdmin(SimpleHistoryAdmin):
    list_display = ["finess_et", "name", "category_group", "commune", "active"]
    list_filter = ["category_group", "departement_code", "active"]
    search_fields = ["finess_et", "name"]
    autocomplete_fields = ["commune"]
    readonly_fields = ["last_import"]
