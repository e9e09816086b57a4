import datetime as dt

from django import forms
from dsfr.forms import DsfrBaseForm

from .models import ReportKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportRangeForm(DsfrBaseForm):
    kind = forms.ChoiceField(
        label="Nature", choices=ReportKind.choices, initial=ReportKind.COMMITTEE
    )
    start = forms.DateField(label="Du", widget=DATE)
    end = forms.DateField(label="Au", widget=DATE)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "La date de fin ne peut pas précéder la date de début.")
        if end and end > dt.date.today() + dt.timedelta(days=366):
            self.add_error("end", "Choisissez une date de fin dans l’année qui vient.")
        return cleaned
