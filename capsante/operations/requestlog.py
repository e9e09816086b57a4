"""One log line per request, on the `capsante.requests` logger (settings.LOG_REQUESTS).

It says what an operator needs and nothing personal: the method, the path without its query
string (a search box or a form sent by GET puts what people typed there), the status, the
duration in milliseconds, and the proxy's request id when it sends one (X-Request-ID), to find
the same request in the proxy's log. No address, no user name, no form field.
"""

import logging
import re
import time

log = logging.getLogger("capsante.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not log.isEnabledFor(logging.INFO):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration = round((time.perf_counter() - started) * 1000, 1)
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration,
        }
        request_id = request.headers.get("X-Request-ID", "")
        if _REQUEST_ID.match(request_id):
            fields["request_id"] = request_id
        log.info(
            "%s %s %s %s ms",
            request.method,
            request.path,
            response.status_code,
            duration,
            extra=fields,
        )
        return response
