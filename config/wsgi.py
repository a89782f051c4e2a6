import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

# What the project loads (apps, models, views, serializers) lives as long as the process. Kept
# out of the garbage collector's full passes, which otherwise walk it all and pause a request
# for ~80 ms in a web worker (docs/performance.md, "What changed since the first run").
import_module(settings.ROOT_URLCONF)
gc.freeze()
