"""Addresses in one form, so an opt-out matches however the number or e-mail was typed."""

import re

from jobbro.messaging.models import Channel


def normalise(channel, address):
    address = (address or "").strip()
    if channel == Channel.EMAIL:
        return address.lower()
    digits = re.sub(r"[^\d+]", "", address)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+") and len(digits) == 8:  # a Danish number
        digits = "+45" + digits
    return digits


def channel_of(address):
    return Channel.EMAIL if "@" in (address or "") else Channel.SMS
