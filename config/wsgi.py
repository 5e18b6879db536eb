import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from lianxi.core.startup import settle  # after the settings above

settle()  # every gunicorn worker, before its first request
