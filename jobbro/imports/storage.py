"""Uploaded import files at rest: encrypted with the CPR keys, in the database, and only as long as needed.

An import file is full of CPR numbers, so it is never written to disk in clear. It is split into pieces of
CHUNK_BYTES, each a Fernet token under the newest CPR key (the MultiFernet of jobbro/people/cpr.py, so rotating the
keys covers these too), stored as ImportFileChunk rows. The database rather than a folder, so that every web server
and every worker, on any machine, reaches the same file.

A worker reads a file through `decrypted()`: a temporary file created 0600 and removed when the block ends, however
it ends. `release()` deletes the files of a finished run unless another run still needs them, and `expire()`
deletes every file older than settings.IMPORT_RETENTION_DAYS (run by the worker's periodic sweep and by
`manage.py expire_import_files`).
"""

import contextlib
import datetime
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobbro.imports.models import ImportFile, ImportFileChunk, ImportRun
from jobbro.people import cpr

CHUNK_BYTES = 1024 * 1024


def _fernet():
    return cpr._fernet(tuple(settings.CPR_KEYS))  # the CPR keys' MultiFernet: one key list, one rotation


def _pieces(chunks, size=CHUNK_BYTES):
    """Regroup an iterable of byte strings into pieces of `size` bytes (the last one shorter)."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


def store(name, chunks):
    """Encrypt and keep a file given as an iterable of byte strings (an upload's .chunks(), a file read in pieces)."""
    fernet = _fernet()
    digest, size = hashlib.sha256(), 0
    retention = datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS)
    with transaction.atomic():
        stored = ImportFile.objects.create(name=Path(name).name[:255], sha256="", expires_at=timezone.now() + retention)
        for index, piece in enumerate(_pieces(chunks)):
            digest.update(piece)
            size += len(piece)
            ImportFileChunk.objects.create(file=stored, index=index, token=fernet.encrypt(piece))
        stored.sha256, stored.size = digest.hexdigest(), size
        stored.save(update_fields=["sha256", "size"])
    return stored


def store_path(path):
    with open(path, "rb") as handle:
        return store(Path(path).name, iter(lambda: handle.read(CHUNK_BYTES), b""))


@contextlib.contextmanager
def decrypted(stored):
    """The file in clear as a Path to a temporary file only this user can read, deleted when the block ends."""
    fernet = _fernet()
    handle, name = tempfile.mkstemp(prefix="jobbro-import-", suffix=Path(stored.name).suffix.lower())  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            tokens = ImportFileChunk.objects.filter(file=stored).order_by("index").values_list("token", flat=True)
            for token in tokens.iterator(chunk_size=4):
                out.write(fernet.decrypt(bytes(token)))
        yield Path(name)
    finally:
        os.unlink(name)


def still_needed(stored, finished_run):
    """A dry run's files stay for the real import while it may come; a failed real import leaves them for another try."""
    others = stored.runs.exclude(pk=finished_run.pk)
    if others.filter(status__in=[ImportRun.Status.PENDING, ImportRun.Status.RUNNING]).exists():
        return True
    dry = stored.runs.filter(dry_run=True, status=ImportRun.Status.DONE)
    imported = stored.runs.filter(dry_run=False, status__in=[ImportRun.Status.DONE, ImportRun.Status.REJECTED])
    return dry.exists() and not imported.exists()


def release(run):
    """Delete the files of a run that has finished, unless a run still needs them (see still_needed)."""
    for stored in list(run.uploads.all()):
        if not still_needed(stored, run):
            stored.delete()


def legacy_dir():
    """Where uploads were kept in clear before they were encrypted; emptied by expire()."""
    return Path(settings.DATA_DIR) / "imports"


def expire(now=None):
    """Delete every kept file past its expiry, and any file left in clear by an older version. Returns the count."""
    now = now or timezone.now()
    expired = ImportFile.objects.filter(expires_at__lte=now)
    count = expired.count()
    if count:  # only then a write: on SQLite a write waits for an import holding the lock
        expired.delete()
    folder = legacy_dir()
    if folder.is_dir():
        count += sum(1 for path in folder.rglob("*") if path.is_file())
        shutil.rmtree(folder, ignore_errors=True)
    return count
