from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


class MeetingInline(admin.TabularInline):
    model = models.Meeting
    fields = ["date", "place"]
    extra = 0
    show_change_link = True


class DecisionInline(admin.StackedInline):
    model = models.Decision
    fk_name = "meeting"
    extra = 0
    raw_id_fields = ["action", "followed_up_at"]


@admin.register(models.Committee)
class CommitteeAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "territory"]
    filter_horizontal = ["organisations"]
    inlines = [MeetingInline]


@admin.register(models.Meeting)
class MeetingAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "committee__territory"
    list_display = ["committee", "date", "place"]
    list_filter = ["committee__territory"]
    inlines = [DecisionInline]


@admin.register(models.Decision)
class DecisionAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "meeting__committee__territory"
    list_display = ["text", "owner", "due_date", "status", "meeting"]
    list_filter = ["status"]
    raw_id_fields = ["action", "meeting", "followed_up_at"]
