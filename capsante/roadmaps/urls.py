from django.urls import path

from . import target_views, views

app_name = "roadmaps"
urlpatterns = [
    path("", views.roadmap_list, name="list"),
    path("<int:pk>/", views.roadmap_detail, name="detail"),
    path("<int:pk>/objectifs/<int:number>/", views.objective_detail, name="objective"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/historique/", views.action_history, name="action_history"),
    path("<int:pk>/actions/", views.roadmap_actions, name="actions"),
    path(
        "cibles/<str:code>/<str:level>/<str:territory_code>/",
        target_views.target_edit,
        name="target_edit",
    ),
]
