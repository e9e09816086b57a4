"""Who calls: a machine client's token, a signed-in partner's session, or an anonymous reader.

Each answer is a user that `accounts.access` judges as it judges the pages' visitors: a token
becomes its technical account holding the token's role and scope (tokens.acting_user).
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from . import tokens

TOKEN_REFUSED = "Jeton absent, invalide, expiré ou révoqué."


class BearerToken(HttpBearer):
    """`Authorization: Bearer cs_…`: a token created by an administrator."""

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        # A wrong token is refused (401), never read as an anonymous visit.
        if scheme.lower() != "bearer":
            raise AuthenticationError(401, TOKEN_REFUSED)
        return self.authenticate(request, secret.strip())

    def authenticate(self, request, token):
        found = tokens.authenticate(token)
        if found is None:
            raise AuthenticationError(401, TOKEN_REFUSED)
        user = tokens.acting_user(found)
        # The audit trail (simple-history's middleware reads request.user) names the token.
        request.user = user
        request.api_token = found
        return user


class SessionCookie(APIKeyCookie):
    """A partner signed in on the platform, calling from the browser (the docs' "Try it")."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        key = request.COOKIES.get(self.param_name)
        if key and check_csrf(request):
            raise HttpError(403, "Vérification CSRF échouée : envoyez l'en-tête X-CSRFToken.")
        return key

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if key and user is not None and user.is_authenticated:
            return user
        return None


def anonymous(request):
    """No credentials at all: a member of the public, who reads what is published."""
    if request.headers.get("Authorization"):
        return None
    return AnonymousUser()


READ = [BearerToken(), SessionCookie(), anonymous]
WRITE = [BearerToken(), SessionCookie()]
