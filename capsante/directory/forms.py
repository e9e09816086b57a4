import re

from django import forms
from dsfr.forms import DsfrBaseForm

from capsante.ingest.connectors.directory import vocabulary
from capsante.ingest.connectors.directory.parser import ZONE_CODE

from . import hours
from .models import Resource


def _with_any(terms, label: str) -> list[tuple[str, str]]:
    return [("", label), *vocabulary.choices(terms)]


class SearchForm(forms.Form):
    """The public search (GET): a commune, a postcode, or the browser's position; filters."""

    q = forms.CharField(
        label="Commune ou code postal",
        required=False,
        max_length=100,
        help_text="Par exemple : Le Mans, 72000 ou Laval",
    )
    need = forms.ChoiceField(label="Votre besoin", required=False, choices=())
    kind = forms.ChoiceField(label="Type de lieu ou de service", required=False, choices=())
    audience = forms.ChoiceField(label="Public", required=False, choices=())
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    commune = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)
    # The results' page, from the links under the list (a new search starts at the first).
    page = forms.IntegerField(required=False, min_value=1, max_value=100, widget=forms.HiddenInput)

    def __init__(self, *args, easy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if easy:
            self.fields["need"].label = "Pour quoi avez-vous besoin d’aide ?"
            self.fields["q"].label = "Où habitez-vous ?"
            self.fields["q"].help_text = "Écrivez le nom de votre ville. Par exemple : Le Mans"
            needs = [("", "Toutes les aides"), *((n.code, n.easy) for n in vocabulary.NEEDS)]
        else:
            needs = _with_any(vocabulary.NEEDS, "Tous les besoins")
        self.fields["need"].choices = needs
        self.fields["kind"].choices = _with_any(vocabulary.KINDS, "Tous les types")
        self.fields["audience"].choices = _with_any(vocabulary.AUDIENCES, "Tous les publics")


class ReportForm(DsfrBaseForm):
    message = forms.CharField(
        label="Qu’est-ce qui ne va pas ?",
        help_text="Par exemple : les horaires ont changé, le lieu a fermé, le numéro ne répond pas.",
        max_length=2000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    email = forms.EmailField(
        label="Votre adresse électronique (facultatif)",
        help_text="Seulement si vous voulez être recontacté. Elle est effacée une fois le "
        "signalement traité.",
        required=False,
    )
    # A field people do not see: robots fill it.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


def _codes(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,;|]+", value or "") if part]


class ResourceForm(DsfrBaseForm, forms.ModelForm):
    services = forms.MultipleChoiceField(
        label="Besoins auxquels elle répond",
        choices=vocabulary.choices(vocabulary.NEEDS),
        widget=forms.CheckboxSelectMultiple,
    )
    audiences = forms.MultipleChoiceField(
        label="Publics",
        choices=vocabulary.choices(vocabulary.AUDIENCES),
        widget=forms.CheckboxSelectMultiple,
    )
    specialties = forms.MultipleChoiceField(
        label="Spécialités de téléexpertise",
        required=False,
        choices=vocabulary.choices(vocabulary.SPECIALTIES),
        widget=forms.CheckboxSelectMultiple,
    )
    zone_codes = forms.CharField(
        label="Zone desservie",
        required=False,
        help_text="Codes officiels (COG) séparés par des espaces : communes (72181), "
        "départements (72), EPCI (numéro SIREN) ou « france ».",
    )
    website = forms.URLField(
        label="Site web", required=False, assume_scheme="https", max_length=500
    )
    accessibility_url = forms.URLField(
        label="Fiche Acceslibre",
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text="Lien vers la fiche du lieu sur Acceslibre.",
    )
    appointment_url = forms.URLField(
        label="Prise de rendez-vous", required=False, assume_scheme="https", max_length=500
    )
    commune_code = forms.CharField(
        label="Code INSEE de la commune",
        required=False,
        max_length=5,
        help_text="Laisser vide pour une ressource à distance (en ligne, par téléphone).",
    )

    class Meta:
        model = Resource
        fields = [
            "name",
            "kind",
            "description",
            "address",
            "address_complement",
            "postal_code",
            "latitude",
            "longitude",
            "opening_hours",
            "phone",
            "email",
            "website",
            "accessibility_url",
            "appointment_url",
            "owner",
            "published",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "opening_hours": "Format OpenStreetMap, par exemple : Mo-Fr 09:00-12:00,14:00-17:00; "
            "Sa 09:00-12:00; PH off",
        }

    def __init__(self, *args, owners=None, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.communes = communes  # the communes the user may attach a resource to (access)
        self.fields["owner"].queryset = owners
        if self.instance.pk:
            self.initial.setdefault("services", self.instance.services)
            self.initial.setdefault("audiences", self.instance.audiences)
            self.initial.setdefault("specialties", self.instance.specialties)
            self.initial.setdefault("zone_codes", " ".join(self.instance.zone))
            if self.instance.commune_id:
                self.initial.setdefault("commune_code", self.instance.commune.code)

    def clean_opening_hours(self):
        value = self.cleaned_data["opening_hours"].strip()
        if value and not hours.valid(value):
            raise forms.ValidationError(
                "Horaires illisibles : utilisez le format OpenStreetMap (Mo-Fr 09:00-12:00)."
            )
        return value

    def clean_zone_codes(self):
        codes = _codes(self.cleaned_data["zone_codes"])
        wrong = [c for c in codes if not ZONE_CODE.match(c)]
        if wrong:
            raise forms.ValidationError(f"Code géographique invalide : {wrong[0]}")
        return codes

    def clean_commune_code(self):
        code = self.cleaned_data["commune_code"].strip()
        if not code:
            return None
        commune = self.communes.filter(code=code).first() if self.communes is not None else None
        if commune is None:
            raise forms.ValidationError("Commune inconnue ou hors de votre périmètre.")
        return commune

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", "Latitude et longitude vont ensemble.")
        return data
