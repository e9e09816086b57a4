from django.contrib import admin
from django.urls import include, path

from capsante.accounts.views import SignInView

# The admin is named after the platform, in French, like every other page.
admin.site.site_header = "Administration de Cap e-santé"
admin.site.site_title = "Cap e-santé"
admin.site.index_title = "Données de la plateforme"

urlpatterns = [
    # The admin signs in through the platform's form: one place for the lockout, the second
    # factor and the providers' buttons.
    path("admin/login/", SignInView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("comptes/", include("capsante.accounts.urls")),
    path("territoires/", include("capsante.site.territory_urls")),
    path("feuilles-de-route/", include("capsante.roadmaps.urls")),
    path("imports/", include("capsante.imports.urls")),
    path("indicateurs/", include("capsante.indicators.urls")),
    path("campagnes/", include("capsante.campaigns.urls")),
    path("etablissements/", include("capsante.establishments.urls")),
    path("comites/", include("capsante.committees.urls")),
    path("evenements/", include("capsante.events.urls")),
    path("lettres/", include("capsante.newsletters.urls")),
    path("questionnaires/", include("capsante.questionnaires.urls")),
    path("ressources/", include("capsante.directory.urls")),
    path("elus/", include("capsante.officials.urls")),
    path("remontees/", include("capsante.difficulties.urls")),
    path("rapports/", include("capsante.reports.urls")),
    path("api/", include("capsante.api.urls")),
    path("", include("capsante.operations.urls")),
    path("", include("capsante.site.urls")),
]
