from django.urls import path

from . import views

app_name = "questionnaires"
urlpatterns = [
    path("", views.manage_list, name="manage_list"),
    path("nouveau/", views.create, name="create"),
    path("<int:pk>/", views.build, name="build"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/questions/nouvelle/", views.question_edit, name="question_add"),
    path("<int:pk>/questions/<int:question>/", views.question_edit, name="question_edit"),
    path(
        "<int:pk>/questions/<int:question>/supprimer/",
        views.question_delete,
        name="question_delete",
    ),
    path("<int:pk>/statut/", views.set_status, name="status"),
    path("<int:pk>/diffusion/", views.publish, name="publish"),
    path("<int:pk>/diffusion/envoi/", views.send, name="send"),
    path("<int:pk>/indicateurs/", views.feed, name="feed"),
    path("<int:pk>/resultats/", views.results, name="results"),
    path("<int:pk>/resultats/export/", views.export, name="export"),
    path("r/<slug:slug>/", views.answer, name="answer"),
    path("r/<slug:slug>/merci/", views.thanks, name="thanks"),
    path("r/<slug:slug>/<str:token>/", views.answer, name="answer_link"),
]
