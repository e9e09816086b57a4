from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/agenda.ics", views.event_ics, name="event_ics"),
    path("agenda/<str:level>/<str:code>.ics", views.territory_ics, name="territory_ics"),
    path("<int:pk>/inscription/", views.register, name="register"),
    path("<int:pk>/inscription/envoyee/", views.register_sent, name="register_sent"),
    path("inscription/<str:token>/confirmer/", views.confirm, name="confirm"),
    path("inscription/<str:token>/annuler/", views.cancel, name="cancel"),
    path("gestion/", views.manage_list, name="manage_list"),
    path("nouveau/", views.event_create, name="create"),
    path("<int:pk>/modifier/", views.event_edit, name="edit"),
    path("<int:pk>/suivi/", views.manage, name="manage"),
    path("<int:pk>/suivi/presences/", views.attendance, name="attendance"),
    path("<int:pk>/suivi/emargement/", views.attendance_sheet, name="attendance_sheet"),
    path("<int:pk>/suivi/export/", views.export, name="export"),
    path("ambassadeurs/", views.ambassadors, name="ambassadors"),
    path("ambassadeurs/nouveau/", views.ambassador_create, name="ambassador_create"),
    path("ambassadeurs/<int:pk>/", views.ambassador_detail, name="ambassador_detail"),
    path("ambassadeurs/<int:pk>/activite/", views.ambassador_activity, name="ambassador_activity"),
    path("<int:pk>/bilan/", views.report, name="report"),
    path("<int:pk>/bilan.pdf", views.report_pdf, name="report_pdf"),
]
