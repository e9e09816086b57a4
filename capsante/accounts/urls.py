from django.urls import path

from . import oidc_views, views
from .models import IdentityProvider

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.SignInView.as_view(), name="login"),
    path("connexion/code/", views.sign_in_code, name="login_code"),
    path("deconnexion/", oidc_views.SignOutView.as_view(), name="logout"),
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/double-authentification/", views.totp_setup, name="totp_setup"),
    path(
        "mon-compte/double-authentification/desactiver/",
        views.totp_disable,
        name="totp_disable",
    ),
    path("en-attente/", oidc_views.pending, name="pending"),
]
# One way out and one way back per provider: the return page tells which provider answers
# (and each provider knows its own return address, as the mix-up defence asks).
for name in IdentityProvider.values:
    urlpatterns += [
        path(
            f"oidc/{name}/connexion/",
            oidc_views.ProviderStartView.as_view(provider_name=name),
            name=f"oidc_start_{name}",
        ),
        path(
            f"oidc/{name}/retour/",
            oidc_views.ProviderCallbackView.as_view(provider_name=name),
            name=f"oidc_callback_{name}",
        ),
    ]
