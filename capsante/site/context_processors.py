from django.contrib.auth.models import AnonymousUser

from capsante.accounts import access


def site(request):
    # A request refused before the authentication middleware ran (a site address not in
    # ALLOWED_HOSTS) has no user yet: its error page is rendered for an anonymous person.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "site_title": "Cap e-santé",
        "site_tagline": "Piloter les feuilles de route du numérique en santé",
        "user_profile": access.profile_of(user),
        "can_administer": access.can_administer(user),
    }
