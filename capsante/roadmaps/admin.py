from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


class ObjectiveInline(admin.TabularInline):
    model = models.Objective
    fields = ["order", "title", "priority"]
    extra = 0
    show_change_link = True


class GlossaryInline(admin.TabularInline):
    model = models.GlossaryEntry
    extra = 0


class PriorityInline(admin.TabularInline):
    model = models.TerritorialPriority
    extra = 0


@admin.register(models.Roadmap)
class RoadmapAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["title", "territory", "period_start", "period_end", "status"]
    list_filter = ["status"]
    inlines = [PriorityInline, ObjectiveInline, GlossaryInline]


def _inline(model_class):
    return type(
        f"{model_class.__name__}Inline", (admin.StackedInline,), {"model": model_class, "extra": 0}
    )


@admin.register(models.Objective)
class ObjectiveAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "roadmap__territory"
    list_display = ["title", "roadmap", "order"]
    list_filter = ["roadmap"]
    inlines = [
        _inline(m)
        for m in (
            models.Action,
            models.AssessmentItem,
            models.KeyFigure,
            models.Testimony,
            models.UsefulLink,
            models.EventHighlight,
        )
    ]


@admin.register(models.Action)
class ActionAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "objective__roadmap__territory"
    list_display = ["text", "objective", "status", "progress", "due_date"]
    list_filter = ["status", "objective__roadmap"]
    search_fields = ["text"]
