"""Log records never carry a query string: a search for a citizen's name must not end up in a log file.

Paths are safe to log (CPR never appears in a path, see people/cpr.py); what follows a `?` in a URL is
user input and is cut from the message before any handler writes it.
"""

import logging
import re

# A "?" right after a path character and followed by something: a URL's query string, not a question mark in prose.
QUERY_STRING = re.compile(r"(?<=\S)\?[^\s\"'<>]+")


def without_query_strings(text):
    return QUERY_STRING.sub("", text)


class StripQueryStrings(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = without_query_strings(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
