from django.urls import path

from . import views

app_name = "newsletters"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/inscription/", views.subscribe, name="subscribe"),
    path("<slug:slug>/inscription/envoyee/", views.subscribe_sent, name="subscribe_sent"),
    path("confirmer/<str:token>/", views.confirm, name="confirm"),
    path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/archives/", views.archive, name="archive"),
    path("<slug:slug>/archives/<int:pk>/", views.archive_issue, name="archive_issue"),
    path("<slug:slug>/gestion/", views.manage, name="manage"),
    path("<slug:slug>/numeros/nouveau/", views.issue_create, name="issue_create"),
    path("numeros/<int:pk>/", views.issue_detail, name="issue"),
    path("numeros/<int:pk>/envoyer/", views.issue_send, name="issue_send"),
]
