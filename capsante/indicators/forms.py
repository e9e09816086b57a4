from django import forms
from dsfr.forms import DsfrBaseForm


class ManualValueForm(DsfrBaseForm):
    period = forms.RegexField(
        label="Mois (AAAA-MM)",
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": "Format attendu : AAAA-MM."},
    )
    value = forms.FloatField(label="Valeur")
    numerator = forms.FloatField(label="Numérateur", required=False)
    denominator = forms.FloatField(label="Dénominateur", required=False, min_value=0)
    justification = forms.CharField(
        label="Justification (source, courrier, date de réception)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
