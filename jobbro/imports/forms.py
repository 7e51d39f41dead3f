from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import access
from jobbro.accounts.models import Programme
from jobbro.formtools import DesignSystemForm
from jobbro.imports import reader, schemas

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(DesignSystemForm):
    file = forms.FileField(
        label=_("File (xlsx or csv)"),
        help_text=_("A workbook with one sheet per kind of record, or a csv file with one kind."),
    )
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        required=False,
        label=_("Programme"),
        help_text=_("For rows that do not name their programme."),
    )
    kind = forms.ChoiceField(
        required=False,
        label=_("Kind of record (csv only)"),
        help_text=_("Leave empty to tell it from the file name or the header row."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = access.visible_programmes(user)
        self.fields["kind"].choices = [("", "—")] + [(sheet.kind, sheet.title) for sheet in schemas.sheets_for(user)]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in reader.suffixes():
            raise forms.ValidationError(_("Import an xlsx or csv file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 200 MB)."))
        return upload
