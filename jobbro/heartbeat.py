"""A thread that writes a long run's progress to its row about once a second, for the task worker's runs.

The run's own connection is inside its transaction, which nobody else sees; the thread has a connection of its
own, so the page polling the row sees the progress, and a row whose heartbeat stops is known to be lost. A
subclass says what to write in `write()`.
"""

import logging
import threading

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0


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
