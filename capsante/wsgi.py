import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsante.settings")
application = get_wsgi_application()

# After Django is set up: each web process loads its views and indexes before taking requests
# (not in development, where the server restarts at every change of the code).
from capsante.operations.warmup import warm_up  # noqa: E402

if not settings.DEBUG:
    warm_up()
