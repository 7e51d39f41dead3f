"""Consents become history: a row is a consent given or withdrawn on a date, with who recorded it and how it was
given. Each row of before is kept as a consent given on its date and, when it had been withdrawn, a second row: the
withdrawal on its date. How those were given was not recorded (blank), nor who recorded them."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def keep_as_history(apps, schema_editor):
    Consent = apps.get_model("people", "Consent")
    withdrawals = []
    for row in Consent.objects.order_by("pk").iterator():
        row.given = True
        row.on = row.given_on
        row.save(update_fields=["given", "on"])
        if row.withdrawn_on is not None:
            withdrawals.append(
                Consent(
                    citizen_id=row.citizen_id,
                    kind=row.kind,
                    given=False,
                    on=row.withdrawn_on,
                    given_on=row.given_on,
                    recorded_at=row.recorded_at,
                )
            )
    Consent.objects.bulk_create(withdrawals, batch_size=1000)


def back_to_periods(apps, schema_editor):
    Consent = apps.get_model("people", "Consent")
    for row in Consent.objects.filter(given=True).order_by("pk").iterator():
        row.given_on = row.on
        later = Consent.objects.filter(citizen_id=row.citizen_id, kind=row.kind, given=False, on__gte=row.on)
        withdrawal = later.order_by("on", "pk").first()
        row.withdrawn_on = withdrawal.on if withdrawal else None
        row.save(update_fields=["given_on", "withdrawn_on"])
    Consent.objects.filter(given=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_postcode_digits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="given",
            field=models.BooleanField(default=True, verbose_name="consents"),
        ),
        migrations.AddField(
            model_name="consent",
            name="on",
            field=models.DateField(null=True, verbose_name="date"),
        ),
        migrations.AddField(
            model_name="consent",
            name="manner",
            field=models.CharField(
                blank=True,
                choices=[("written", "Written"), ("oral", "Oral"), ("digital", "Digital")],
                max_length=10,
                verbose_name="given how",
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="reference",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9A-Za-zÆØÅæøå][0-9A-Za-zÆØÅæøå ./_-]*\\Z",
                        "Write a journal or document number (letters, digits, - . / _), not a note.",
                        code="document_reference",
                    )
                ],
                verbose_name="document reference",
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="recorded at"),
        ),
        migrations.AddField(
            model_name="consent",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recorded by",
            ),
        ),
        # Nullable while the rows move, so that the step back can add the column again before it fills it.
        migrations.AlterField(
            model_name="consent",
            name="given_on",
            field=models.DateField(null=True, verbose_name="given on"),
        ),
        migrations.RunPython(keep_as_history, back_to_periods),
        migrations.AlterField(
            model_name="consent",
            name="on",
            field=models.DateField(verbose_name="date"),
        ),
        migrations.RemoveField(model_name="consent", name="given_on"),
        migrations.RemoveField(model_name="consent", name="withdrawn_on"),
        migrations.AlterModelOptions(
            name="consent",
            options={"ordering": ["on", "pk"], "verbose_name": "consent", "verbose_name_plural": "consents"},
        ),
        migrations.AddIndex(
            model_name="consent",
            index=models.Index(fields=["citizen", "kind", "on"], name="consent_by_date"),
        ),
    ]
