from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comptes/", include("capsante.accounts.urls")),
    path("territoires/", include("capsante.territories.urls")),
    path("feuilles-de-route/", include("capsante.roadmaps.urls")),
    path("imports/", include("capsante.sources.urls")),
    path("indicateurs/", include("capsante.indicators.urls")),
    path("", include("capsante.core.urls")),
]
