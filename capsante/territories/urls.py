from django.urls import path

from . import views

app_name = "territories"
urlpatterns = [
    path("", views.search, name="search"),
    path("<str:level>/<str:code>/", views.detail, name="detail"),
]
