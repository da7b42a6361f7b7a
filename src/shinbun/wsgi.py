import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
application = get_wsgi_application()

# What the process has loaded by now (Django, the apps, the URLconf and the views it
# imports) lives as long as the process. gc.freeze() moves it out of the garbage
# collector's sight, so a full collection walks only what requests made since: without
# it each full collection walks every loaded object and holds the request it interrupts
# for 80-90 ms (with it: ~5 ms), the slowest 1 % of member pages (docs/PERFORMANCE.md).
import_module(settings.ROOT_URLCONF)  # the URLconf, and the views it imports
gc.collect()
gc.freeze()
