from django.urls import path

from . import views

app_name = "establishments"
urlpatterns = [path("<str:finess>/", views.detail, name="detail")]
