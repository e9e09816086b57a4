from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


class PartInline(admin.TabularInline):
    model = models.ProgrammePart
    fields = ["order", "kind", "title", "hosts", "room", "starts_at", "ends_at"]
    extra = 0


class TallyInline(admin.TabularInline):
    model = models.Tally
    fields = ["audience", "commune", "registered", "attended", "satisfaction"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Event)
class EventAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "starts_at", "territory", "status", "capacity"]
    list_filter = ["status", "kind", "territory"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["commune", "objectives", "actions"]
    filter_horizontal = ["organisations"]
    readonly_fields = ["registrations_purged_at"]
    inlines = [PartInline, TallyInline]


@admin.register(models.Registration)
class RegistrationAdmin(ScopedAdmin):
    """A registrant's data, found by address to export or erase it on request (GDPR)."""

    scope_path = "event__territory"
    list_display = ["name", "email", "event", "status", "created_at", "attended"]
    list_filter = ["status", "audience"]
    search_fields = ["email", "name"]
    raw_id_fields = ["event", "commune"]
    readonly_fields = [
        "consented_at",
        "created_at",
        "confirmed_at",
        "seated_at",
        "cancelled_at",
        "reminded_at",
    ]


@admin.register(models.Ambassador)
class AmbassadorAdmin(ScopedAdmin):
    """An ambassador's data, found by name or address to correct, export or erase on request;
    "a quitté le réseau" starts their retention."""

    territory_levels = ("departement",)
    list_display = ["name", "organisation", "territory", "status", "trained_on", "left_on"]
    list_filter = ["status", "territory"]
    search_fields = ["name", "email", "organisation"]
    raw_id_fields = ["commune"]
    readonly_fields = ["created_at"]


@admin.register(models.AmbassadorActivity)
class AmbassadorActivityAdmin(ScopedAdmin, SimpleHistoryAdmin):
    territory_levels = ("departement",)
    list_display = ["date", "kind", "ambassador", "commune", "people"]
    list_filter = ["kind", "territory"]
    date_hierarchy = "date"
    raw_id_fields = ["ambassador", "commune"]
