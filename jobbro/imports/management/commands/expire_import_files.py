"""`manage.py expire_import_files`: delete kept import files past their expiry (the worker does it every minute too)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jobbro.imports import storage


class Command(BaseCommand):
    help = (
        f"Delete uploaded import files older than JOBBRO_IMPORT_RETENTION_DAYS (now {settings.IMPORT_RETENTION_DAYS}), "
        "and any left in clear by an older version."
    )

    def handle(self, *args, **options):
        count = storage.expire()
        self.stdout.write(_("%(count)s expired import files deleted.") % {"count": count})
