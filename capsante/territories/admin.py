from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Level, Territory, TerritoryLoad


@admin.register(Territory)
class TerritoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "population", "parent"]
    list_filter = ["level", "grouping_kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "epci", "members"]
    exclude = ["geometry"]

    def get_readonly_fields(self, request, obj=None):
        # The official geography comes from INSEE/IGN through load_territories: only groupings are edited here.
        if obj is not None and obj.level != Level.GROUPING:
            return [
                "level",
                "code",
                "name",
                "parent",
                "epci",
                "population",
                "population_vintage",
                "latitude",
                "longitude",
            ]
        return []


@admin.register(TerritoryLoad)
class TerritoryLoadAdmin(admin.ModelAdmin):
    list_display = ["loaded_at", "source", "created", "updated", "unchanged", "duration_seconds"]
