import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")
application = get_wsgi_application()

# The report charts import matplotlib on their first use, which takes a second or more. Served by gunicorn, which
# loads the application once before forking its workers (preload_app in jobbro/gunicorn_conf.py), importing it here
# does that once for every worker, instead of in each worker on its first report page (again after each restart).
import jobbro.reporting.charts  # noqa: E402, F401
