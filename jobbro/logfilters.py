"""Log records never carry a query string or a link's token: a search for a citizen's name must not end up in a log
file, and neither may the key to a person's page.

Paths are safe to log (CPR never appears in a path, see people/cpr.py), except the pages a link opens without
signing in (jobbro/portal), whose path holds the link's token: it is replaced by "[token]". What follows a `?` in a
URL is user input and is cut from the message before any handler writes it.
"""

import logging
import re

# A "?" right after a path character and followed by something: a URL's query string, not a question mark in prose.
QUERY_STRING = re.compile(r"(?<=\S)\?[^\s\"'<>]+")
# The paths whose next segment is a token (jobbro/portal/urls.py: link/<token>/).
TOKEN_IN_PATH = re.compile(r"(/link/)[^/\s\"'<>?]+")


def without_query_strings(text):
    return TOKEN_IN_PATH.sub(r"\1[token]", QUERY_STRING.sub("", text))


class StripQueryStrings(logging.Filter):
    """Cuts query strings and links' tokens from every record's message."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = without_query_strings(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
