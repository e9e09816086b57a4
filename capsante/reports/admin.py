from django.contrib import admin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


@admin.register(models.ReportSnapshot)
class ReportSnapshotAdmin(ScopedAdmin):
    list_display = ["kind", "territory", "start", "end", "as_of", "generated_at", "generated_by"]
    list_filter = ["kind"]
    readonly_fields = ["generated_at"]


@admin.register(models.ScheduledReport)
class ScheduledReportAdmin(ScopedAdmin):
    list_display = ["kind", "territory", "frequency", "active", "last_period", "last_sent"]
    list_filter = ["kind", "frequency", "active"]
    readonly_fields = ["last_sent", "last_period", "last_snapshot"]
