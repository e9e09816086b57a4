from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<slug:slug>/", views.board, name="board"),
    path("<slug:slug>/appels/", views.calls, name="calls"),
    path("<slug:slug>/rappels/", views.callbacks, name="callbacks"),
    path("<slug:slug>/etapes/", views.bulk_move, name="bulk_move"),
    path("<slug:slug>/contacts/<int:pk>/annuler/", views.undo_contact, name="undo_contact"),
    path("<slug:slug>/structures/<str:finess>/", views.followup, name="followup"),
    path("<slug:slug>/structures/<str:finess>/etape/", views.move, name="move"),
    path("<slug:slug>/structures/<str:finess>/contact/", views.contact, name="contact"),
    path("<slug:slug>/structures/<str:finess>/personnes/", views.add_person, name="add_person"),
    path(
        "<slug:slug>/structures/<str:finess>/personnes/<int:pk>/retirer/",
        views.remove_person,
        name="remove_person",
    ),
]
