from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from capsante.accounts.admin_access import ScopedAdmin

from . import models


class QuestionInline(admin.TabularInline):
    model = models.Question
    fields = ["order", "text", "kind", "required", "target"]
    extra = 0


@admin.register(models.Questionnaire)
class QuestionnaireAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["title", "territory", "audience", "status", "survey"]
    list_filter = ["status", "audience", "territory"]
    search_fields = ["title", "slug"]
    inlines = [QuestionInline]
