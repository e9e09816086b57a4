from pathlib import Path

from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from . import uploads


class UploadForm(DsfrBaseForm):
    source = forms.ChoiceField(label="Source")
    file = forms.FileField(
        label="Fichier", help_text="CSV, TXT, JSON, NDJSON, HL7, XLSX, ZIP ou gzip."
    )
    dry_run = forms.BooleanField(
        label="Simulation : montrer ce qui changerait sans rien écrire", required=False
    )
    full_extract = forms.BooleanField(
        label="Extraction complète : ce fichier remplace toutes les données de la source",
        required=False,
        help_text="Sans cette case, seuls les départements (ou régions) présents dans le fichier "
        "sont remplacés ; les autres restent tels quels.",
    )
    confirm_removals = forms.BooleanField(
        label="Je confirme les retraits, même nombreux",
        required=False,
        help_text="Un import qui retirerait plus de 10 % des lignes d'une source est refusé sans "
        "cette confirmation. Faites d'abord une simulation pour voir la liste des retraits.",
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

    survey = forms.SlugField(
        label="Identifiant de l’enquête (fichiers d’enquête)",
        required=False,
        help_text="Ex. : officines-fax-mssante-2024",
    )
    mapping = forms.CharField(
        label="Correspondance des colonnes (fichiers d’enquête)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une ligne par colonne : « intitulé de la colonne du fichier = champ », champs : finess_et, "
        "answered_on, has_fax, has_mss, uses_mss, telehealth_equipped, telehealth_in_use, mss_kit.",
    )

    def __init__(self, *args, sources=(), refused_upload: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = list(sources)
        self.refused_upload = refused_upload
        limit = f" {uploads.size_text(settings.IMPORT_MAX_UPLOAD_BYTES)} au plus."
        self.fields["file"].help_text += limit
        self["file"].help_text += limit  # bound already (DsfrBaseForm) with the class's text

    def clean_mapping(self):
        mapping = {}
        for number, line in enumerate(self.cleaned_data["mapping"].splitlines(), start=1):
            if not line.strip():
                continue
            column, sep, target = line.rpartition("=")
            if not sep or not column.strip() or not target.strip():
                raise forms.ValidationError(f"Ligne {number} : « intitulé = champ » attendu.")
            mapping[column.strip()] = target.strip()
        return mapping

    def clean(self):
        cleaned = super().clean()
        if self.refused_upload:
            # Stopped while it arrived (uploads.BoundedUploadHandler): not "missing", too large.
            self._errors.pop("file", None)
            self.add_error("file", uploads.too_large_message(Path(self.refused_upload).name))
        if cleaned.get("source") == "survey" and not (
            cleaned.get("mapping") and cleaned.get("survey")
        ):
            self.add_error(
                "mapping",
                "Un fichier d’enquête demande l’identifiant de l’enquête et la correspondance des colonnes.",
            )
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = Path(upload.name).name
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(uploads.too_large_message(name, upload.size))
        if not uploads.accepted(name):
            raise forms.ValidationError(uploads.type_message(name))
        return upload
