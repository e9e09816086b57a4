from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("saisies/", views.manual_entries, name="manual_entries"),
    path("saisies/<int:pk>/examen/", views.review_entry, name="review_entry"),
    path(
        "<str:code>/<str:level>/<str:territory_code>/saisie/",
        views.propose_value,
        name="propose_value",
    ),
    path("territoire/<str:level>/<str:code>/", views.territory_dashboard, name="territory"),
    path("<str:code>/<str:level>/<str:territory_code>/", views.indicator_detail, name="detail"),
]
