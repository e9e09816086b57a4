from django import forms
from dsfr.forms import DsfrBaseForm

MAX_UPLOAD_BYTES = 2 * 1024**3


class UploadForm(DsfrBaseForm):
    source = forms.ChoiceField(label="Source")
    file = forms.FileField(
        label="Fichier", help_text="CSV, TXT, JSON, NDJSON, HL7, XLSX ou ZIP, 2 Go au plus."
    )
    dry_run = forms.BooleanField(
        label="Simulation : montrer ce qui changerait sans rien écrire", required=False
    )
    finess_et = forms.CharField(
        label="Établissement émetteur (n° FINESS, fichiers INS)", required=False, max_length=9
    )
    period = forms.RegexField(
        label="Mois des données (AAAA-MM, fichiers INS)",
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": "Format attendu : AAAA-MM."},
    )

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = list(sources)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Fichier trop volumineux (2 Go au plus).")
        return upload
