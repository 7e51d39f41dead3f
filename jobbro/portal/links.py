"""Issuing, revoking and opening the links for people without an account.

A link's token is 256 random bits, shown once in the address `issue` returns; only its HMAC-SHA256 digest under
settings.PORTAL_LINK_KEY is stored (as people/cpr.py keys the CPR look-up hash), so a copy of the database opens no
link. `resolve` finds the live link for a token: an unknown, expired or revoked token is refused alike.
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change, log_read
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.companies.models import CompanyContact
from jobbro.people.models import Citizen
from jobbro.portal.models import AccessLink, Audience


def digest(token):
    return hmac.new(settings.PORTAL_LINK_KEY.encode(), str(token).encode(), hashlib.sha256).hexdigest()


def path_for(token):
    return reverse("portal", kwargs={"token": token})


def url_for(token, base_url=None):
    base = (base_url or getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + path_for(token)


def _require(condition):
    if not condition:
        raise PermissionDenied


def citizen_programme(user, citizen):
    """The programme of the citizen's open enrolment within the user's scope (the link shows that case), or None."""
    enrolment = (
        access.scope_enrolments(Enrolment.objects.filter(citizen=citizen, ended_on__isnull=True), user)
        .order_by("-referred_on")
        .first()
    )
    return enrolment.programme if enrolment else None


def company_programme(user, company):
    """The first of the user's programmes the company has a network agreement with, or None."""
    agreed = company.agreements.values("programme_id")
    return access.visible_programmes(user).filter(pk__in=agreed).order_by("pk").first()


@transaction.atomic
def issue(*, acting_user, audience, target, now=None, base_url=None):
    """A new link for a company contact, a buddy or a citizen. Returns (link, url); the url holds the token and is
    never shown again."""
    audience = Audience(audience)
    _require(may(acting_user, Capability.ISSUE_ACCESS_LINKS))
    now = now or timezone.now()
    if audience == Audience.CITIZEN:
        _require(isinstance(target, Citizen))
        _require(Citizen.objects.filter(pk=target.pk).each_visible_to(acting_user).exists())
        programme = citizen_programme(acting_user, target)
        if programme is None:
            raise ValidationError(_("A link can only be given to a citizen with an open case."))
        fields = {"citizen": target}
    else:
        _require(isinstance(target, CompanyContact) and may(acting_user, Capability.SEE_COMPANIES))
        if audience == Audience.BUDDY and not target.is_buddy:
            raise ValidationError(_("%(name)s is not a buddy.") % {"name": target.name})
        programme = company_programme(acting_user, target.company)
        if programme is None:
            raise ValidationError(_("The company has no network agreement with your programme."))
        fields = {"contact": target}
    token = secrets.token_urlsafe(32)
    link = AccessLink.objects.create(
        audience=audience,
        programme=programme,
        digest=digest(token),
        created_by=acting_user,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.PORTAL_LINK_DAYS),
        **fields,
    )
    log_change(
        user=acting_user,
        action=Action.ISSUE_ACCESS_LINK,
        obj=link,
        citizen_pk=link.citizen_id,
        changes={
            "audience": audience.value,
            "contact": link.contact_id,
            "programme": programme.pk,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return link, url_for(token, base_url)


def may_manage(user, link):
    """Whether the user may see and revoke the link: the issuing capability, and its citizen or company in reach."""
    if not may(user, Capability.ISSUE_ACCESS_LINKS):
        return False
    if link.audience == Audience.CITIZEN:
        return Citizen.objects.filter(pk=link.citizen_id).each_visible_to(user).exists()
    return access.visible_programmes(user).filter(pk=link.programme_id).exists()


@transaction.atomic
def revoke(*, acting_user, link, now=None):
    """End a link at once: the next request with its token is refused."""
    link = AccessLink.objects.select_for_update().get(pk=link.pk)
    _require(may_manage(acting_user, link))
    if link.revoked_at is not None:
        return link
    link.revoked_at = now or timezone.now()
    link.revoked_by = acting_user
    link.save(update_fields=["revoked_at", "revoked_by"])
    log_change(
        user=acting_user,
        action=Action.REVOKE_ACCESS_LINK,
        obj=link,
        citizen_pk=link.citizen_id,
        changes={"audience": link.audience, "contact": link.contact_id},
    )
    return link


def find(token):
    """The link with this token, live or not, or None."""
    if not token or len(token) > 100:
        return None
    return (
        AccessLink.objects.select_related("contact__company", "citizen", "programme")
        .filter(digest=digest(token))
        .first()
    )


def resolve(token, now=None):
    """The live link for a token, or None (unknown, expired and revoked alike)."""
    link = find(token)
    if link is None or not link.is_live(now or timezone.now()):
        return None
    return link


def record_use(link, *, view, status_code, citizen_pks, now=None):
    """A use of the link: its last use, and one read-access row per citizen the page showed, naming the link."""
    now = now or timezone.now()
    AccessLink.objects.filter(pk=link.pk).update(last_used_at=now)
    for citizen_pk in dict.fromkeys(citizen_pks):
        log_read(user=_Nobody(), citizen_pk=citizen_pk, view=f"{view} (link #{link.pk})", status_code=status_code)


class _Nobody:
    """Who reads through a link: no staff user (the read log names the link in its page column)."""

    is_authenticated = False
