from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("deposer/", views.upload, name="upload"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/etat.json", views.import_status, name="status"),
    path("travaux/", views.job_list, name="jobs"),
    path("travaux/<int:pk>/relancer/", views.job_retry, name="job_retry"),
    path("<int:pk>/confirmer/", views.confirm, name="confirm"),
]
