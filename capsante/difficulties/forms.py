from django import forms
from django.contrib.auth import get_user_model
from dsfr.forms import DsfrBaseForm

from capsante.directory.search import commune_index
from capsante.territories.models import Territory

from .models import Blocker, EscalatedTo, Profession, Service, Status
from .services import active_products

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OTHER_SOFTWARE = "autre"
DESCRIPTION_MAX = 4000


def _software_choices() -> list:
    """The maintained list, grouped by vendor, then "other or unknown"."""
    groups: dict[str, list] = {}
    for product in active_products().order_by("vendor__name", "name"):
        groups.setdefault(product.vendor.name, []).append((str(product.pk), product.name))
    return [
        ("", "— Choisir —"),
        *groups.items(),
        ("Autre", [(OTHER_SOFTWARE, "Autre logiciel, ou je ne sais pas")]),
    ]


class ReportForm(DsfrBaseForm):
    """A difficulty as a professional tells it, without an account; the address is optional,
    kept only with consent, to say when the difficulty is resolved."""

    profession = forms.ChoiceField(
        label="Vous êtes", choices=[("", "— Choisir —"), *Profession.choices]
    )
    service = forms.ChoiceField(
        label="Service concerné", choices=[("", "— Choisir —"), *Service.choices]
    )
    software = forms.ChoiceField(
        label="Logiciel utilisé",
        help_text="Le logiciel métier avec lequel la difficulté s’est produite.",
    )
    other_software = forms.CharField(
        label="Autre logiciel (éditeur et nom)",
        max_length=150,
        required=False,
        help_text="Si votre logiciel n’est pas dans la liste.",
    )
    description = forms.CharField(
        label="Ce qui s’est passé",
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Ce que vous vouliez faire, ce qui s’est produit, le message d’erreur éventuel. "
        f"{DESCRIPTION_MAX} caractères au plus. N’écrivez aucun nom ni identifiant de patient.",
    )
    commune = forms.CharField(
        label="Commune d’exercice",
        max_length=120,
        help_text="Son nom ou son code postal.",
    )
    commune_code = forms.ChoiceField(
        label="Précisez votre commune", required=False, widget=forms.RadioSelect
    )
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        required=False,
        help_text="Pour être informé quand la difficulté sera résolue.",
    )
    consent = forms.BooleanField(label="Consentement", required=False)

    def __init__(self, *args, retention_days: int, departements=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The départements where the commune may be (an adviser's); None: anywhere.
        self.departements = departements
        self.fields["software"].choices = _software_choices()
        self.fields["consent"].label = self["consent"].label = (
            "J’accepte que mon adresse électronique soit utilisée pour m’informer de la "
            "résolution de cette difficulté, et seulement pour cela. Elle sera effacée "
            f"{retention_days} jours après la clôture de la difficulté."
        )
        self.fields["commune"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.candidates = []
        if self.is_bound:
            self.candidates = commune_index().find(self.data.get("commune", ""), limit=8)
        self.fields["commune_code"].choices = [
            (c.code, f"{c.name} ({', '.join(c.postcodes) or c.departement_code})")
            for c in self.candidates
        ]

    @property
    def asks_commune(self) -> bool:
        return len(self.candidates) > 1

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("commune_code") or ""
        if self.candidates and code in {c.code for c in self.candidates}:
            chosen = code
        elif len(self.candidates) == 1:
            chosen = self.candidates[0].code
        elif self.candidates:
            chosen = ""
            self.add_error(
                "commune_code", "Plusieurs communes correspondent : choisissez la vôtre."
            )
        else:
            chosen = ""
            if cleaned.get("commune"):
                self.add_error(
                    "commune", "Commune introuvable : écrivez son nom ou son code postal."
                )
        commune = (
            Territory.objects.filter(level="commune", code=chosen).select_related("parent").first()
            if chosen
            else None
        )
        if commune is not None and commune.parent_id is None:
            commune = None
            self.add_error("commune", "Cette commune n’est rattachée à aucun département.")
        if (
            commune is not None
            and self.departements is not None
            and commune.parent_id not in {t.pk for t in self.departements}
        ):
            self.add_error("commune", "Cette commune est hors des départements que vous suivez.")
        cleaned["commune_territory"] = commune
        software = cleaned.get("software")
        cleaned["product"] = None
        if software and software != OTHER_SOFTWARE:
            cleaned["product"] = active_products().filter(pk=software).first()
            if cleaned["product"] is None:
                self.add_error("software", "Choisissez un logiciel de la liste.")
        if cleaned.get("email") and not cleaned.get("consent"):
            self.add_error(
                "consent",
                "Cochez la case pour que nous puissions vous écrire, ou laissez l’adresse vide.",
            )
        if not cleaned.get("consent"):
            cleaned["email"] = ""
        return cleaned


class FollowUpForm(DsfrBaseForm):
    status = forms.ChoiceField(label="Statut")
    blocker = forms.ChoiceField(
        label="Catégorie de blocage (liste Sentinelle)",
        choices=[("", "— À qualifier —"), *Blocker.choices],
        required=False,
    )
    escalated_to = forms.ChoiceField(
        label="Escaladée à",
        choices=[("", "— Personne —"), *EscalatedTo.choices],
        required=False,
    )
    owner = forms.ModelChoiceField(
        label="Responsable",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="— Personne —",
    )
    due_on = forms.DateField(label="Échéance", required=False, widget=DATE)
    resolution = forms.CharField(
        label="Réponse apportée",
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour résoudre ou clore : elle est envoyée au déclarant qui l’a "
        "demandé.",
    )
    comment = forms.CharField(
        label="Commentaire",
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, difficulty, statuses, owners, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [difficulty.status, *statuses]
        self.fields["status"].choices = [(s, Status(s).label) for s in allowed]
        self.fields["owner"].queryset = get_user_model().objects.filter(
            pk__in=[u.pk for u in owners]
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.initial.update(
            {
                "status": difficulty.status,
                "blocker": difficulty.blocker,
                "escalated_to": difficulty.escalated_to,
                "owner": difficulty.owner_id,
                "due_on": difficulty.due_on,
                "resolution": difficulty.resolution,
            }
        )


class MergeForm(DsfrBaseForm):
    kept = forms.IntegerField(
        label="N° de la difficulté à conserver",
        min_value=1,
        help_text="Celle-ci deviendra son doublon : elle sera close et ne sera plus comptée.",
    )


class ListFilterForm(DsfrBaseForm):
    statut = forms.ChoiceField(
        label="Statut",
        choices=[("", "Tous"), ("ouvertes", "Ouvertes"), *Status.choices],
        required=False,
    )
    service = forms.ChoiceField(
        label="Service", choices=[("", "Tous"), *Service.choices], required=False
    )
