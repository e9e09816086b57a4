"""The Django admin under the same rules as the pages: see accounts.access.

A regional admin is `is_staff` so as to manage the domain data (roadmaps, committees, targets,
scheduled reports) in the admin; what they see and may change there is filtered to their scope.
Accounts, roles and territories are for superusers only, so that no one widens their own rights.
"""

from django.contrib import admin

from . import access


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Accounts, roles, organisations and the geography: superusers only."""

    def has_module_permission(self, request):
        return access.can_manage_accounts(request.user)

    def has_view_permission(self, request, obj=None):
        return access.can_manage_accounts(request.user)

    def has_add_permission(self, request, *args):
        return access.can_manage_accounts(request.user)

    def has_change_permission(self, request, obj=None):
        return access.can_manage_accounts(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.can_manage_accounts(request.user)


class ScopedAdmin(admin.ModelAdmin):
    """Objects living in a territory, seen and changed only within the admin's scope.

    `scope_path` leads from the model to its territory; `territory_levels` are the levels a
    territory field may take (a roadmap belongs to a région or a département).
    """

    scope_path = "territory"
    territory_levels = ("region", "departement")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if access.can_manage_accounts(request.user):
            return queryset
        if not access.can_administer(request.user):
            return queryset.none()
        return access.within_scope(request.user, queryset, self.scope_path)

    def _in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not access.can_manage_accounts(request.user):
            if related._meta.label == "territories.Territory":
                kwargs["queryset"] = access.territories_where(
                    request.user, access.ADMIN_ROLES, self.territory_levels
                ).order_by("level", "code")
            elif isinstance(self.admin_site._registry.get(related), ScopedAdmin):
                kwargs["queryset"] = self.admin_site._registry[related].get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
