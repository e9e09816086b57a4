from django.contrib import admin
from django.urls import URLResolver, path
from django.urls.resolvers import RoutePattern

from capsante.accounts.views import SignInView

# The admin is named after the platform, in French, like every other page.
admin.site.site_header = "Administration de Cap e-santé"
admin.site.site_title = "Cap e-santé"
admin.site.index_title = "Données de la plateforme"


class Section(URLResolver):
    """The pages under one prefix, from an app's URL configuration imported the first time one
    of them is resolved or reversed, not when the root configuration is read.

    With `include()`, reversing one address imports every view module and the libraries they
    import (python-docx, openpyxl, PROJ, pydantic…: 1.1–2.0 s of the roadmap document's command,
    which names only the indicators' pages). Django gives a resolver named by its module a lazy
    `urlconf_module`, but populates every included resolver when the root is first reversed;
    a section skips that until it is itself asked for its names (decision 0031). A web process
    still imports every section as it starts (`operations.warmup` indexes their names);
    `tests/test_startup.py` checks that each section's namespace is its module's `app_name`,
    that naming one page imports no other section and that the warm-up imports them all."""

    def _populate(self):
        if "urlconf_module" in self.__dict__:  # imported: Django's own indexing
            super()._populate()

    def _imported(self) -> None:
        self.urlconf_module  # noqa: B018 — reading it imports the module (a cached property)

    @property
    def reverse_dict(self):
        self._imported()
        return super().reverse_dict

    @property
    def namespace_dict(self):
        self._imported()
        return super().namespace_dict

    @property
    def app_dict(self):
        self._imported()
        return super().app_dict


def section(route: str, urlconf: str, namespace: str) -> Section:
    """`path(route, include(urlconf))`, the module imported when first used; `namespace` is the
    module's `app_name`."""
    return Section(
        RoutePattern(route, is_endpoint=False), urlconf, app_name=namespace, namespace=namespace
    )


urlpatterns = [
    # The admin signs in through the platform's form: one place for the lockout, the second
    # factor and the providers' buttons.
    path("admin/login/", SignInView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    section("comptes/", "capsante.accounts.urls", "accounts"),
    section("territoires/", "capsante.site.territory_urls", "territories"),
    section("feuilles-de-route/", "capsante.roadmaps.urls", "roadmaps"),
    section("imports/", "capsante.imports.urls", "imports"),
    section("indicateurs/", "capsante.indicators.urls", "indicators"),
    section("campagnes/", "capsante.campaigns.urls", "campaigns"),
    section("etablissements/", "capsante.establishments.urls", "establishments"),
    section("comites/", "capsante.committees.urls", "committees"),
    section("evenements/", "capsante.events.urls", "events"),
    section("lettres/", "capsante.newsletters.urls", "newsletters"),
    section("questionnaires/", "capsante.questionnaires.urls", "questionnaires"),
    section("ressources/", "capsante.directory.urls", "directory"),
    section("elus/", "capsante.officials.urls", "officials"),
    section("remontees/", "capsante.difficulties.urls", "difficulties"),
    section("rapports/", "capsante.reports.urls", "reports"),
    section("api/v1/", "capsante.api.urls", "api"),
    section("", "capsante.operations.urls", "operations"),
    section("", "capsante.site.urls", "site"),
]
