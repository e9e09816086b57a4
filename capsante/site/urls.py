from django.urls import path

from . import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("sources/", views.sources, name="sources"),
    path("taches/", views.inbox, name="inbox"),
]
