import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_asgi_application()

# As in config/wsgi.py: what the project loads lives as long as the process; kept out of the
# garbage collector's full passes, which would otherwise pause requests.
import_module(settings.ROOT_URLCONF)
gc.freeze()
