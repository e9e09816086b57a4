"""Signing in with a password (and, for admins who turned it on, a code from their
authenticator app), the account page, and turning the second factor on and off."""

import time

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import get_user_model, login, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import access, oidc, two_factor
from .lockout import lockout_response

# Between the password and the code: who, through which backend, where to after, since when.
PENDING = "capsante_sign_in_pending"
PENDING_SECONDS = 300


class SignInView(auth_views.LoginView):
    """The password form, beside the buttons of the configured OpenID Connect providers."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "providers": oidc.configured()}

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "since": time.time(),
        }
        return redirect("accounts:login_code")


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def sign_in_code(request):
    """The second step: the code of the admin's authenticator app."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, "Saisissez de nouveau votre identifiant et votre mot de passe.")
        return redirect("accounts:login")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return lockout_response(request)
    device = two_factor.confirmed_device(user)
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        error = two_factor.check(device, code) if device else two_factor.WRONG
        if not error:
            del request.session[PENDING]
            user.otp_device = device  # django-otp marks the session as verified at login
            login(request, user, backend=pending["backend"])
            return redirect(pending["next"])
        # Counted by django-axes as a failed sign-in: five, and the account is blocked here.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return render(
        request,
        "accounts/login_code.html",
        {"title": "Code de vérification", "error": error},
        status=200,
    )


@login_required
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "title": "Mon compte",
            "profile": access.profile_of(user),
            "identities": user.external_identities.all(),
            "may_use_totp": two_factor.may_use(user),
            "totp_on": two_factor.confirmed_device(user) is not None,
        },
    )


@login_required
def totp_setup(request):
    """Shows the QR code, then turns the second factor on once a first code checks out."""
    user = request.user
    if not two_factor.may_use(user):
        return redirect("accounts:account")
    if two_factor.confirmed_device(user) is not None:
        return redirect("accounts:account")
    device = two_factor.device_to_confirm(user)
    error = ""
    if request.method == "POST":
        error = two_factor.check(device, request.POST.get("code", ""))
        if not error:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            messages.success(
                request,
                "Double authentification activée : votre prochaine connexion demandera le code "
                "de votre application.",
            )
            return redirect("accounts:account")
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "title": "Activer la double authentification",
            "breadcrumb": [
                ("Mon compte", reverse("accounts:account")),
                ("Double authentification", None),
            ],
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_for_typing(device),
            "error": error,
        },
    )


@login_required
@require_POST
def totp_disable(request):
    """Turning it off takes a current code, so that an open session alone cannot."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect("accounts:account")
    if not two_factor.check(device, request.POST.get("code", "")):
        device.delete()
        messages.success(request, "Double authentification désactivée.")
    else:
        messages.error(request, "Code incorrect : la double authentification reste activée.")
    return redirect("accounts:account")
