"""The easy-to-read mode ("facile à lire et à comprendre") of the public pages: short sentences,
one idea per line, a pictogram with each idea, larger type, the next step spelled out.

A person switches it on or off with a link (no script needed); the choice is kept in a cookie
for a year. A page may also be opened in the mode with `?lecture=facile` (a link printed on a
flyer). Pages read `enabled(request)` and show their easy-to-read texts; the look (larger type,
one block per resource) is in capsante.css under `.cap-easy`.
"""

from django.http import HttpRequest, HttpResponse

COOKIE = "capsante_lecture_facile"
PARAMETER = "lecture"
ONE_YEAR = 365 * 24 * 3600


def enabled(request: HttpRequest) -> bool:
    wanted = request.GET.get(PARAMETER)
    if wanted in ("facile", "normale"):
        return wanted == "facile"
    return request.COOKIES.get(COOKIE) == "1"


def remember(response: HttpResponse, on: bool) -> HttpResponse:
    """Keep the choice: a preference, not a tracker (no consent needed, nothing identifying)."""
    if on:
        response.set_cookie(COOKIE, "1", max_age=ONE_YEAR, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
