from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


@admin.register(models.MailingList)
class MailingListAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "territory", "open_to_public"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Subscriber)
class SubscriberAdmin(ScopedAdmin):
    """A subscriber found by address, to export or erase on request (GDPR)."""

    scope_path = "mailing_list__territory"
    list_display = ["email", "name", "mailing_list", "status", "created_at"]
    list_filter = ["status", "mailing_list"]
    search_fields = ["email", "name"]
    readonly_fields = ["created_at", "confirmed_at", "unsubscribed_at"]


@admin.register(models.Issue)
class IssueAdmin(ScopedAdmin, SimpleHistoryAdmin):
    scope_path = "mailing_list__territory"
    list_display = ["subject", "mailing_list", "status", "sent_at"]
    readonly_fields = ["status", "sent_at", "created_by"]
