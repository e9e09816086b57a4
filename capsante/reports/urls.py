from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("feuilles-de-route/<int:pk>/document/", views.roadmap_document, name="roadmap_document"),
    path(
        "feuilles-de-route/<int:pk>/tableau-de-bord/",
        views.public_dashboard,
        name="public_dashboard",
    ),
    path("synthese/<str:level>/<str:code>/", views.territory_summary, name="summary"),
    path("comites/<str:level>/<str:code>/", views.committee_reports, name="committee_reports"),
    path("instantanes/<int:pk>.<str:fmt>", views.snapshot_download, name="snapshot_download"),
    path("donnees-ouvertes/", views.opendata_page, name="opendata"),
    path("donnees-ouvertes/<str:name>", views.opendata_file, name="opendata_file"),
]
