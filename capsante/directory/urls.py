from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("lecture-facile/", views.easy_read_switch, name="easy_read"),
    path("integrer/", views.embed, name="embed"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/signaler/", views.report, name="report"),
    path("memo/<str:level>/<str:code>/", views.memo_view, name="memo"),
    path("export/<str:name>/", views.export, name="export"),
    path("gestion/", views.manage, name="manage"),
    path("gestion/nouvelle/", views.create, name="create"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/verifier/", views.verify, name="verify"),
    path("signalements/<int:pk>/traiter/", views.resolve_report, name="resolve_report"),
]
