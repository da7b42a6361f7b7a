import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
application = get_wsgi_application()

# What the process has loaded by now (Django, the apps, the URLconf and the views it
# imports) lives as long as the process. gc.freeze() moves it out of the garbage
# collector's sight, so a full collection walks only what requests made since: without
# it each full collection walks every loaded object and holds the request it interrupts
# for 80-90 ms (with it: ~5 ms), the slowest 1 % of member pages (docs/PERFORMANCE.md).
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and the views)
gc.freeze()
