from django.urls import path

from . import views

app_name = "roadmaps"
urlpatterns = [
    path("", views.roadmap_list, name="list"),
    path("<int:pk>/", views.roadmap_detail, name="detail"),
    path("<int:pk>/objectifs/<int:number>/", views.objective_detail, name="objective"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/historique/", views.action_history, name="action_history"),
]
