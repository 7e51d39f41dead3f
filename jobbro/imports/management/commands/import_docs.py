"""Rewrite the generated column tables in docs/import.md from the schemas."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jobbro.imports import schemas


class Command(BaseCommand):
    help = "Regenerate the column tables of docs/import.md from jobbro/imports/schemas.py."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "import.md"
        text = path.read_text()
        start = text.index(schemas.TABLES_START) + len(schemas.TABLES_START)
        end = text.index(schemas.TABLES_END)
        path.write_text(text[:start] + "\n\n" + schemas.markdown() + "\n" + text[end:])
        self.stdout.write(f"Wrote {path}")
