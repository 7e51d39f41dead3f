"""Today, as every page, form and rule of jobbro means it: the date in the programme's time zone (settings.TIME_ZONE,
Europe/Copenhagen), not the UTC date, which is still yesterday's for the first hour or two after midnight."""

from django.utils import timezone


def today():
    return timezone.localdate()
