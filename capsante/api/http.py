"""The API object: French errors, ETags and caching, the schema's optional authentication."""

import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from . import messages
from .identity import anonymous

NO_CREDENTIALS = (
    "Réservé aux partenaires : envoyez un jeton (en-tête Authorization: Bearer …) "
    "ou connectez-vous à la plateforme."
)
# Public figures change with imports and recomputations, a few times a day at most.
PUBLIC_MAX_AGE = 300


def etag_of(content: bytes) -> str:
    """A strong validator: the same bytes, the same tag."""
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return etag in candidates


class Renderer(JSONRenderer):
    # French text as text, not \u escapes.
    json_dumps_params = {"ensure_ascii": False}


class Schema(OpenAPISchema):
    def operation_security(self, operation):
        security = super().operation_security(operation)
        # Reading is open to everyone (what is public); the schema says so with `{}`.
        if security is not None and anonymous in operation.auth_callbacks:
            security = [*security, {}]
        return security


class CapSanteAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return Schema(self, path_prefix)

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return self.cache_headers(request, response)

    def cache_headers(self, request, response: HttpResponse) -> HttpResponse:
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            response["Cache-Control"] = "no-store"
            return response
        etag = etag_of(response.content)
        if _matches(request.headers.get("If-None-Match"), etag):
            response = HttpResponseNotModified()
            patch_vary_headers(response, ["Authorization", "Cookie"])
        response["ETag"] = etag
        identity = getattr(request, "auth", None)
        if identity is not None and not identity.is_authenticated:
            response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        else:
            # A partner's answer depends on their scope: their own cache only, revalidated.
            response["Cache-Control"] = "private, no-cache"
        return response


def install_error_handlers(api: CapSanteAPI) -> None:
    def detail(request, message: str, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": message}, status=status)

    def unauthenticated(request, exc):
        message = exc.message if exc.message != "Unauthorized" else NO_CREDENTIALS
        response = detail(request, message, 401)
        response["WWW-Authenticate"] = 'Bearer realm="Cap e-santé"'
        return response

    def http_error(request, exc: HttpError):
        return detail(request, str(exc), exc.status_code)

    def not_found(request, exc):
        return detail(request, str(exc) or "Introuvable.", 404)

    def forbidden(request, exc):
        return detail(request, str(exc) or "Action non autorisée.", 403)

    def invalid_request(request, exc: NinjaValidationError):
        return api.create_response(
            request, {"detail": messages.from_pydantic(exc.errors)}, status=422
        )

    def invalid_data(request, exc: ValidationError):
        return api.create_response(request, {"detail": messages.from_django(exc)}, status=422)

    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(NinjaValidationError, invalid_request)
    api.add_exception_handler(ValidationError, invalid_data)


class Docs(Swagger):
    """django-ninja's Swagger page rendered from our template, its assets our static files.

    django-ninja renders its own template only when "ninja" is an installed app, and otherwise a
    page that loads Swagger UI from a CDN. It is not installed: installing it imported it and
    pydantic in every process, the commands' included (0.5 s of `capsante indicators show`,
    bench/RESULTS.md, *Commands*); its static folder is in STATICFILES_DIRS instead."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api}
        return render(request, self.template, context)


def docs() -> Docs:
    # No call to swagger.io's validator (its badge is an outside request).
    return Docs(settings={"validatorUrl": None, "tryItOutEnabled": False})
