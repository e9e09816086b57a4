from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The platform as a whole: home page, territory pages, the page layout with its menu, error
    pages, the URL root and the demo command. It reads every app; no app imports it."""

    name = "capsante.site"
    label = "site"
    verbose_name = "Site"
