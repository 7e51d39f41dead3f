"""The SMS gateway interface: a backend is a class with `send(to, body)` that raises on failure.

settings.SMS_BACKEND names it (JOBBRO_SMS_BACKEND): the file backend (development and the demo, the default) writes
one JSON line per SMS to settings.SMS_FILE (var/sms/outbox.jsonl); the HTTP backend posts
{"to": ..., "message": ...} as JSON to settings.SMS_URL with the token as a Bearer header, as most Danish SMS
gateways take it, and counts any 2xx answer as sent."""

import json
import urllib.request

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SMSError(Exception):
    pass


class FileBackend:
    def __init__(self, path=None):
        self.path = path or settings.SMS_FILE

    def send(self, to, body):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "body": body, "at": timezone.now().isoformat()}, ensure_ascii=False)
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(line + "\n")


class HttpBackend:
    def __init__(self, url=None, token=None, timeout=20):
        self.url = url or settings.SMS_URL
        self.token = token if token is not None else settings.SMS_TOKEN
        self.timeout = timeout
        if not self.url:
            raise SMSError("JOBBRO_SMS_URL is not set")

    def send(self, to, body):
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"to": to, "message": body}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                status = response.status
        except OSError as error:
            raise SMSError(f"SMS gateway: {error}") from None
        if not 200 <= status < 300:
            raise SMSError(f"SMS gateway answered {status}")


def backend():
    return import_string(settings.SMS_BACKEND)()
