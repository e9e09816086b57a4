from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("territoire/<str:level>/<str:code>/", views.territory_dashboard, name="territory"),
    path("<str:code>/<str:level>/<str:territory_code>/", views.indicator_detail, name="detail"),
]
