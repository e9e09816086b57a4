from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


class ProductInline(admin.TabularInline):
    model = models.Product
    fields = ["name", "category", "active"]
    extra = 1


@admin.register(models.Vendor)
class VendorAdmin(SimpleHistoryAdmin):
    """The maintained list of vendors and their products, offered on the forms."""

    list_display = ["name", "active", "demo"]
    list_filter = ["active", "demo"]
    search_fields = ["name", "products__name"]
    inlines = [ProductInline]


@admin.register(models.Difficulty)
class DifficultyAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["pk", "service", "territory", "status", "reported_at", "owner"]
    list_filter = ["status", "service", "blocker", "territory"]
    raw_id_fields = ["commune", "product", "duplicate_of", "owner", "recorded_by"]
    readonly_fields = ["reported_at", "closed_at"]


@admin.register(models.ReporterContact)
class ReporterContactAdmin(ScopedAdmin):
    """A reporter's address, found to erase it on request (GDPR)."""

    scope_path = "difficulty__territory"
    list_display = ["difficulty", "email", "consented_at", "notified_at"]
    search_fields = ["email"]
    raw_id_fields = ["difficulty"]
    readonly_fields = ["consented_at", "notified_at"]
