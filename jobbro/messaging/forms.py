from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro.formtools import DesignSystemForm
from jobbro.messaging.models import Channel


class TemplateForm(DesignSystemForm):
    subject = forms.CharField(label=_("Subject line"), max_length=250, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))


class SubscriptionForm(DesignSystemForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    email = forms.EmailField(label=_("E-mail"))

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if len(programmes) == 1:
            self.fields["programme"].initial = programmes[0]


class OptOutForm(DesignSystemForm):
    address = forms.CharField(label=_("E-mail or phone number"), max_length=254)
    purpose = forms.ChoiceField(label=_("Messages"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from jobbro.messaging.models import Purpose

        self.fields["purpose"].choices = [("", _("All messages")), *Purpose.choices]


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    given = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")])
