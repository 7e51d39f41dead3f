"""TOTP two-factor sign-in (django-otp): required for administrators, optional for everyone else.

After the password (or single sign-on) a user who must use a second factor reaches no page but the code page
until a code from their authenticator app is accepted. An administrator without an authenticator is sent to set
one up first. Anyone else may turn it on under "Security" (the account page); once on, it is required for them.
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.encoding import iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action

# Set at sign-in: whether this user had turned two-factor on. Kept in the session so that pages need no query.
REQUIRED_KEY = "jobbro_two_factor_required"
DEVICE_NAME = "jobbro"

# Pages a signed-in user may reach before the second factor: the code page, set-up (only without an
# authenticator, see TwoFactorMiddleware), signing out and switching language.
OPEN_BEFORE_SECOND_FACTOR = {"two_factor_verify", "two_factor_setup", "logout", "set_language"}


def is_required(user, session):
    """Administrators always; others once they have turned it on."""
    return may(user, Capability.ADMINISTER) or bool(session.get(REQUIRED_KEY))


@receiver(user_logged_in)
def remember_whether_required(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[REQUIRED_KEY] = user_has_device(user, confirmed=True)


class TwoFactorMiddleware:
    """Sends a signed-in user who still owes their second factor to the code page (or to set-up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and is_required(user, request.session):
            if not self._open_before_second_factor(request, user):
                target = "two_factor_verify" if user_has_device(user, confirmed=True) else "two_factor_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _open_before_second_factor(request, user):
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            return False
        if name == "two_factor_setup":
            return not user_has_device(user, confirmed=True)  # a new authenticator never replaces a check of the old
        return name in OPEN_BEFORE_SECOND_FACTOR


# --- Writes ---------------------------------------------------------------------------------------------------------


def pending_device(user):
    """The authenticator being set up: a new secret key, not yet confirmed, kept until a code from it is typed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_device(request, device, token):
    """Confirm the authenticator being set up with a code from it; the session counts as verified. False if wrong."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()  # one authenticator per user
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    request.session[REQUIRED_KEY] = True
    log_change(user=request.user, action=Action.TURN_ON_TWO_FACTOR, obj=device.user)
    return True


def verify(request, token):
    """Check a code against the user's authenticator (django-otp slows down repeated wrong codes). True if right."""
    for device in devices_for_user(request.user, confirmed=True):
        if device.verify_token(token):
            otp_login(request, device)
            return True
    return False


@transaction.atomic
def turn_off(request):
    """Remove the user's authenticators; refused (False) for those who must use one."""
    if may(request.user, Capability.ADMINISTER):
        return False
    TOTPDevice.objects.filter(user=request.user).delete()
    request.session[REQUIRED_KEY] = False
    log_change(user=request.user, action=Action.TURN_OFF_TWO_FACTOR, obj=request.user)
    return True


# --- Presentation ---------------------------------------------------------------------------------------------------


def qr_code_svg(device):
    """The otpauth:// address as an inline SVG QR code: no script and no image request, so it passes a strict CSP."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - built by qrcode from our own key


def readable_key(device):
    """The secret in base32 in groups of four, for typing into an app instead of scanning."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return iri_to_uri(target)
    return reverse(default)
