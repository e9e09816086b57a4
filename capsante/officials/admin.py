from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin, SuperuserOnlyAdmin

from .models import Axis, Contract, Official, OfficialLoad, OfficialsList, WorkingGroup


@admin.register(Official)
class OfficialAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "commune"
    territory_levels = ("commune", "epci")
    list_display = ("__str__", "function", "epci_function", "commune", "epci")
    list_filter = ("function", "epci_function")
    search_fields = ("last_name", "first_name", "commune__name", "commune__code")
    raw_id_fields = ("commune", "epci")


@admin.register(OfficialLoad)
class OfficialLoadAdmin(SuperuserOnlyAdmin):
    list_display = ("loaded_at", "departements", "added", "changed", "removed", "unchanged")
    readonly_fields = [f.name for f in OfficialLoad._meta.fields]


@admin.register(OfficialsList)
class OfficialsListAdmin(ScopedAdmin, SimpleHistoryAdmin):
    territory_levels = ("departement", "epci")
    list_display = ("mailing_list", "territory", "kind", "refreshed_at")
    raw_id_fields = ("territory",)


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0


class WorkingGroupInline(admin.TabularInline):
    model = WorkingGroup
    extra = 0


@admin.register(Contract)
class ContractAdmin(ScopedAdmin, SimpleHistoryAdmin):
    territory_levels = ("epci", "groupement")
    list_display = ("name", "territory", "status", "signed_on", "ends_on")
    list_filter = ("status",)
    search_fields = ("name", "territory__name")
    raw_id_fields = ("territory",)
    inlines = [AxisInline, WorkingGroupInline]
