"""Lists each scope's territories once per request (see access.scopes_kept)."""

from . import access


class ScopesKeptMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with access.scopes_kept():
            return self.get_response(request)
