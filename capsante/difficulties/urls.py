from django.urls import path

from . import views

app_name = "difficulties"
urlpatterns = [
    path("", views.report, name="report"),
    path("envoyee/", views.report_sent, name="report_sent"),
    path("suivi/", views.difficulty_list, name="list"),
    path("suivi/nouvelle/", views.create, name="create"),
    path("suivi/<int:pk>/", views.detail, name="detail"),
    path("suivi/<int:pk>/traiter/", views.follow_up, name="follow_up"),
    path("suivi/<int:pk>/fusionner/", views.merge, name="merge"),
    path("statistiques/", views.statistics_page, name="statistics"),
]
