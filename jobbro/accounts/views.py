"""The sign-in pages of one's own account: the second-factor code, setting up an authenticator, security."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from jobbro.accounts import sso, twofactor
from jobbro.accounts.policy import Capability, may


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=10,
        error_messages={"required": gettext_lazy("Type the six digits your authenticator app shows.")},
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("The code is six digits."))
        return token


class SignInView(LoginView):
    """Username and password (locked after too many wrong tries, see signin.py), and the municipality's login."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "single_sign_on": sso.sign_in_options(self.request),
            "single_sign_on_refused": self.request.GET.get("sso") == "refused",
        }


@never_cache
@login_required
def two_factor_verify(request):
    """After the password: the code from the authenticator app, before any other page."""
    if request.user.is_verified():
        return redirect(twofactor.safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request, form.cleaned_data["token"]):
            return redirect(twofactor.safe_next(request))
        form.add_error("token", _("The code is wrong or too old. Type the code your app shows now."))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), then type a code from it to confirm."""
    device = twofactor.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.confirm_device(request, device, form.cleaned_data["token"]):
            messages.success(request, _("Two-factor sign-in is on. From now on you type a code after your password."))
            return redirect(twofactor.safe_next(request, default="account_security"))
        form.add_error("token", _("The code is wrong or too old. Type the code your app shows now."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": twofactor.qr_code_svg(device),
            "key": twofactor.readable_key(device),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "required": twofactor.is_required(request.user, request.session),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def account_security(request):
    """Security: whether two-factor sign-in is on, and the buttons to turn it on or off."""
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor_on": user_has_device(request.user, confirmed=True),
            "may_turn_off": not may(request.user, Capability.ADMINISTER),
            "idle_minutes": settings.IDLE_TIMEOUT_MINUTES,
        },
    )


@login_required
@require_POST
def two_factor_turn_off(request):
    if twofactor.turn_off(request):
        messages.success(request, _("Two-factor sign-in is off."))
    else:
        messages.error(request, _("Administrators must use two-factor sign-in; it cannot be turned off."))
    return redirect("account_security")
