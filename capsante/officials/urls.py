from django.urls import path

from . import views

app_name = "officials"
urlpatterns = [
    path("cls/", views.contracts, name="contracts"),
    path("cls/nouveau/", views.contract_create, name="contract_create"),
    path("cls/<int:pk>/", views.contract_detail, name="contract"),
    path("cls/<int:pk>/modifier/", views.contract_edit, name="contract_edit"),
    path("epci/<str:code>/", views.epci, name="epci"),
    path("epci/<str:code>/liste/", views.epci_list, name="epci_list"),
    path("epci/<str:code>/inviter/", views.epci_invite, name="epci_invite"),
]
