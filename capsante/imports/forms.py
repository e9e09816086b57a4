from pathlib import Path

from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from capsante.ui.fields import MonthField

from . import uploads

# The answers a survey file may hold, as the people who fill the form name them.
SURVEY_FIELDS = {
    "finess_et": "n° FINESS de l’établissement",
    "answered_on": "date de la réponse",
    "has_fax": "possède un fax (oui / non)",
    "has_mss": "dispose d’une messagerie MSSanté",
    "uses_mss": "utilise sa messagerie MSSanté",
    "telehealth_equipped": "équipé pour la télésanté",
    "telehealth_in_use": "pratique la télésanté",
    "mss_kit": "a reçu le kit MSSanté",
}


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
        help_text="Un import qui retirerait plus de 10\u00a0% des lignes d'une source est refusé sans "
        "cette confirmation. Faites d'abord une simulation pour voir la liste des retraits.",
    )
    finess_et = forms.CharField(
        label="Établissement émetteur (n° FINESS, fichiers INS)", required=False, max_length=9
    )
    period = MonthField(label="Mois des données (fichiers INS)", required=False)

    survey = forms.SlugField(
        label="Identifiant de l’enquête (fichiers d’enquête)",
        required=False,
        help_text="Lettres, chiffres et tirets, par exemple officines-fax-mssante-2024.",
    )

    def __init__(self, *args, sources=(), refused_upload: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = list(sources)
        self.refused_upload = refused_upload
        limit = f" {uploads.size_text(settings.IMPORT_MAX_UPLOAD_BYTES)} au plus."
        self.fields["file"].help_text += limit
        # Survey files: which column of the file holds each answer, in the users' words.
        for target, label in SURVEY_FIELDS.items():
            self.fields[f"column_{target}"] = forms.CharField(
                label=f"Colonne « {label} »",
                required=False,
                max_length=200,
                help_text="L’intitulé de la colonne tel qu’il figure dans votre fichier"
                + (" (obligatoire pour une enquête)." if target == "finess_et" else "."),
            )
        self._bound_fields_cache.clear()

    @property
    def survey_columns(self) -> list:
        return [self[f"column_{target}"] for target in SURVEY_FIELDS]

    @property
    def general_fields(self) -> list:
        return [self[name] for name in self.fields if not name.startswith("column_")]

    def clean(self):
        cleaned = super().clean()
        if self.refused_upload:
            # Stopped while it arrived (uploads.BoundedUploadHandler): not "missing", too large.
            self._errors.pop("file", None)
            self.add_error("file", uploads.too_large_message(Path(self.refused_upload).name))
        mapping, seen = {}, {}
        for target, label in SURVEY_FIELDS.items():
            header = (cleaned.get(f"column_{target}") or "").strip()
            if not header:
                continue
            if header in seen:
                self.add_error(
                    f"column_{target}",
                    f"La colonne « {header} » est déjà choisie pour « {seen[header]} ».",
                )
                continue
            seen[header] = label
            mapping[header] = target
        cleaned["mapping"] = mapping
        if cleaned.get("source") == "survey":
            # An identifier given but refused has its own message already: not « missing ».
            if not cleaned.get("survey") and "survey" not in self.errors:
                self.add_error("survey", "Un fichier d’enquête demande l’identifiant de l’enquête.")
            if "finess_et" not in mapping.values():
                self.add_error(
                    "column_finess_et",
                    "Indiquez la colonne qui porte le n° FINESS de chaque établissement.",
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
