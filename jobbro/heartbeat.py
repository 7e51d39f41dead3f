"""A thread that writes a long run's progress to its row about once a second, for the task worker's runs.

The run's own connection is inside its transaction, which nobody else sees; the thread has a connection of its
own, so the page polling the row sees the progress, and a row whose heartbeat stops is known to be lost. A
subclass says what to write in `write()`. A run records the worker that runs it (`this_worker`), so a sweep can ask
whether that process still runs on this machine (`process_alive`).
"""

import logging
import os
import socket
import threading

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0


def this_worker():
    """The name a run records for the process that runs it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(worker):
    """True or False when the worker ran on this machine and its process can be asked; None when it cannot."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class HeartbeatThread:
    name = "run"

    def __init__(self, run_id):
        self.run_id = run_id
        self.done = self.total = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"{self.name}-heartbeat-{run_id}", daemon=True)

    def progress(self, done, total):
        self.done, self.total = done, total

    def start(self):
        self._thread.start()

    def stop(self):
        self._stopped.set()
        self._thread.join()

    def _beat(self):
        try:
            while not self._stopped.wait(HEARTBEAT_SECONDS):
                self.write()
        finally:
            connection.close()  # this thread's connection

    def write(self):
        try:
            self.update()
        except DatabaseError:  # SQLite's one writer is busy (most likely with the run itself): try again later
            log.debug("Heartbeat of %s %s skipped", self.name, self.run_id, exc_info=True)

    def update(self):
        """Write the progress to the run's row."""
        raise NotImplementedError
