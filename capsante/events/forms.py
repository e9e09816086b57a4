from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from capsante.accounts.models import Organisation
from capsante.roadmaps.models import Action

from .models import (
    Ambassador,
    AmbassadorActivityKind,
    Audience,
    Event,
    EventFormat,
    EventKind,
    ProgrammePart,
)
from .registrations import find_commune

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class EventForm(DsfrBaseForm, forms.ModelForm):
    """An event as its editors write it; times are Paris time (the site's time zone)."""

    audiences = forms.MultipleChoiceField(
        label="Publics",
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    commune_name = forms.CharField(
        label="Commune",
        required=False,
        max_length=120,
        help_text="Nom de la commune (ou code INSEE) ; vide pour un événement en ligne.",
    )
    online_url = forms.URLField(
        label="Lien de connexion", max_length=500, required=False, assume_scheme="https"
    )
    starts_at = forms.DateTimeField(label="Début", widget=MOMENT, input_formats=MOMENT_FORMATS)
    ends_at = forms.DateTimeField(label="Fin", widget=MOMENT, input_formats=MOMENT_FORMATS)

    class Meta:
        model = Event
        fields = [
            "territory",
            "kind",
            "title",
            "description",
            "audiences",
            "format",
            "commune_name",
            "venue",
            "address",
            "online_url",
            "starts_at",
            "ends_at",
            "capacity",
            "registration_open",
            "organisations",
            "other_organisers",
            "partners",
            "contact_email",
            "objectives",
            "actions",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "other_organisers": forms.Textarea(attrs={"rows": 3}),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "organisations": forms.CheckboxSelectMultiple,
            "objectives": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, territories=None, objectives=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the user may edit: the view passes it (access decides).
        self.fields["territory"].queryset = territories
        self.fields["organisations"].queryset = Organisation.objects.order_by("name")
        self.fields["objectives"].queryset = objectives
        self.fields["objectives"].label_from_instance = lambda o: (
            f"{o.roadmap.territory.name} — objectif {o.order + 1} : {o.title}"
        )
        self.fields["actions"].queryset = Action.objects.filter(
            objective__in=objectives
        ).select_related("objective")
        self.fields["actions"].label_from_instance = lambda a: f"{a.text[:110]}"
        self.fields["actions"].required = False
        self.fields["actions"].help_text = "Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."
        if self.instance.pk and self.instance.commune_id:
            self.initial.setdefault("commune_name", self.instance.commune.name)
        self.initial.setdefault("audiences", self.instance.audiences)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end < start:
            self.add_error("ends_at", "La fin ne peut pas précéder le début.")
        fmt = cleaned.get("format")
        territory = cleaned.get("territory")
        commune, error = find_commune(cleaned.get("commune_name") or "", territory)
        if error:
            self.add_error("commune_name", error)
        self.instance.commune = commune
        if fmt in (EventFormat.IN_PERSON, EventFormat.HYBRID) and not (
            commune or cleaned.get("address")
        ):
            self.add_error("commune_name", "Indiquez la commune ou l’adresse du lieu.")
        if fmt in (EventFormat.ONLINE, EventFormat.HYBRID) and not cleaned.get("online_url"):
            self.add_error("online_url", "Indiquez le lien de connexion.")
        cleaned["audiences"] = [a for a in Audience.values if a in (cleaned.get("audiences") or [])]
        self.instance.audiences = cleaned["audiences"]
        actions = cleaned.get("actions")
        objectives = cleaned.get("objectives")
        if actions is not None and objectives is not None:
            # An action serves its objective too: both are listed on the objective's page.
            cleaned["objectives"] = list(
                {o.pk: o for o in [*objectives, *(a.objective for a in actions)]}.values()
            )
        return cleaned


class ProgrammePartForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = ProgrammePart
        fields = ["kind", "title", "hosts", "room", "order", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


ProgrammeFormSet = inlineformset_factory(
    Event, ProgrammePart, form=ProgrammePartForm, extra=3, can_delete=True
)


class RegistrationForm(DsfrBaseForm):
    """The public registration form: no account, explicit consent, the purpose and retention
    said next to the box."""

    name = forms.CharField(label="Nom et prénom", max_length=150)
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Un lien vous y sera envoyé pour confirmer votre inscription.",
    )
    audience = forms.ChoiceField(
        label="Vous êtes", choices=[("", "— Choisir —"), *Audience.choices]
    )
    commune_name = forms.CharField(
        label="Votre commune",
        max_length=120,
        help_text="Son nom, ou son code INSEE ; ajoutez le département si le nom est courant : « Saint-Denis (93) ».",
    )
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    consent = forms.BooleanField(label="Consentement", required=True)
    news = forms.BooleanField(
        label="Je souhaite aussi recevoir par courriel les prochaines informations sur les "
        "événements du numérique en santé de mon département (facultatif).",
        help_text="Un lien de désinscription accompagne chaque envoi ; votre adresse est alors "
        "effacée de la liste.",
        required=False,
    )

    def __init__(self, *args, event: Event, retention_months: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["consent"].label = self["consent"].label = (
            "J’accepte que mes nom, adresse électronique, public, commune et organisation "
            "soient utilisés pour organiser cet événement, m’écrire à son sujet et compter "
            f"ses participants. Ils seront effacés {retention_months} mois après l’événement ; "
            "seuls des décomptes anonymes resteront."
        )
        self.fields["consent"].error_messages["required"] = (
            "Votre accord est nécessaire pour vous inscrire."
        )
        self.fields["commune_name"].widget.attrs.update(
            {"list": "communes", "autocomplete": "address-level2"}
        )
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"

    def clean(self):
        cleaned = super().clean()
        near = self.event.commune.parent if self.event.commune_id else self.event.territory
        commune, error = find_commune(cleaned.get("commune_name") or "", near)
        if error:
            self.add_error("commune_name", error)
        cleaned["commune"] = commune
        return cleaned


class CalendarForm(DsfrBaseForm):
    """The calendar's filters, in the address bar (works without JavaScript)."""

    territoire = forms.ChoiceField(label="Territoire", required=False)
    type = forms.ChoiceField(
        label="Type d’événement",
        choices=[("", "Tous les types"), *EventKind.choices],
        required=False,
    )
    public = forms.ChoiceField(
        label="Public", choices=[("", "Tous les publics"), *Audience.choices], required=False
    )
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("", "En présentiel ou en ligne"),
            (EventFormat.IN_PERSON, "En présentiel"),
            (EventFormat.ONLINE, "En ligne"),
        ],
        required=False,
    )
    du = forms.DateField(label="Du", required=False, widget=DATE)
    au = forms.DateField(label="Au", required=False, widget=DATE)

    def __init__(self, *args, territories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.territories = {f"{t.level}-{t.code}": t for t in territories or []}
        self.fields["territoire"].choices = [("", "Tous les territoires")] + [
            (key, f"{t.name} ({t.code})") for key, t in self.territories.items()
        ]

    def clean_territoire(self):
        return self.territories.get(self.cleaned_data.get("territoire") or "")


class AttendanceForm(DsfrBaseForm):
    participants = forms.IntegerField(
        label="Participants présents, au total",
        min_value=0,
        required=False,
        help_text="Inscrits présents et personnes venues sans inscription. Vide : le nombre d’inscrits cochés présents.",
    )
    note = forms.CharField(
        label="Note sur la participation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignInSheetForm(DsfrBaseForm):
    sheet = forms.FileField(
        label="Feuille d’émargement",
        help_text="CSV ou XLSX, 2 Mio au plus : une colonne « Adresse électronique » ou "
        "« Nom » et « Prénom » (ou « Nom et prénom »), et si vous l’avez « Satisfaction » "
        "(de 1 à 5). Le fichier est lu puis effacé, jamais conservé.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label="Vérifier seulement, sans rien enregistrer",
        required=False,
        initial=True,
    )


class AmbassadorForm(DsfrBaseForm, forms.ModelForm):
    commune_name = forms.CharField(
        label="Commune d’intervention",
        required=False,
        max_length=120,
        help_text="Nom de la commune (ou code INSEE) où la personne intervient le plus souvent.",
    )

    class Meta:
        model = Ambassador
        fields = ["territory", "name", "email", "organisation", "trained_on", "status"]
        widgets = {"trained_on": DATE}

    def __init__(self, *args, departements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = departements
        self.fields["territory"].empty_label = None

    def clean(self):
        data = super().clean()
        commune, error = find_commune(data.get("commune_name", ""), data.get("territory"))
        if error:
            self.add_error("commune_name", error)
        elif (
            commune is not None
            and data.get("territory")
            and commune.parent_id != data["territory"].pk
        ):
            self.add_error("commune_name", "Cette commune n’est pas dans le département choisi.")
        data["commune"] = commune
        return data


class AmbassadorActivityForm(DsfrBaseForm):
    kind = forms.ChoiceField(label="Nature de l’activité", choices=AmbassadorActivityKind.choices)
    date = forms.DateField(label="Date", widget=DATE)
    people = forms.IntegerField(
        label="Personnes informées ou accompagnées", min_value=0, max_value=10_000
    )
    commune_name = forms.CharField(
        label="Commune",
        required=False,
        max_length=120,
        help_text="Vide : la commune d’intervention de l’ambassadeur.",
    )
    note = forms.CharField(label="Note", required=False, max_length=300)

    def __init__(self, *args, ambassador=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ambassador = ambassador

    def clean(self):
        data = super().clean()
        commune, error = find_commune(data.get("commune_name", ""), self.ambassador.territory)
        if error:
            self.add_error("commune_name", error)
        commune = commune or self.ambassador.commune
        if commune is None and not error:
            self.add_error("commune_name", "Indiquez la commune où l’activité a eu lieu.")
        elif commune is not None and commune.parent_id != self.ambassador.territory_id:
            self.add_error(
                "commune_name", "Cette commune n’est pas dans le département de l’ambassadeur."
            )
        data["commune"] = commune
        if data.get("date") and data["date"] > timezone.localdate():
            self.add_error("date", "Une activité se déclare une fois menée : la date est à venir.")
        return data
