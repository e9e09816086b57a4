from django.urls import path

from . import territory_views as views

# The territory pages combine the geography with roadmaps and indicators: they belong to the
# site, under the URL names people and templates already use.
app_name = "territories"
urlpatterns = [
    path("", views.search, name="search"),
    path("<str:level>/<str:code>/", views.detail, name="detail"),
]
