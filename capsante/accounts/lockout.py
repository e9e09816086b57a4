"""The page shown when sign-ins are blocked after repeated failures (django-axes).

Axes' own answer is a bare English page; ours says in French, in the site's look, how long to
wait, for the platform's sign-in form and the Django admin's alike."""

import math

from django.conf import settings
from django.shortcuts import render


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    return render(
        request,
        "accounts/lockout.html",
        {
            "title": "Connexion bloquée",
            "minutes": lockout_minutes(),
            "failures": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
