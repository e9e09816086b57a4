from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<slug:slug>/", views.board, name="board"),
    path("<slug:slug>/appels/", views.calls, name="calls"),
    path("<slug:slug>/structures/<str:finess>/", views.followup, name="followup"),
    path("<slug:slug>/structures/<str:finess>/etape/", views.move, name="move"),
    path("<slug:slug>/structures/<str:finess>/contact/", views.contact, name="contact"),
]
