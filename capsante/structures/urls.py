from django.urls import path

from . import views

app_name = "structures"
urlpatterns = [path("<str:finess>/", views.detail, name="detail")]
