from django import forms
from django.core.validators import MaxValueValidator
from dsfr.forms import DsfrBaseForm

from capsante.ui.fields import MilestonesField, MonthField, NumberField

from .models import Action, ActionStatus, Objective


class ActionUpdateForm(DsfrBaseForm, forms.ModelForm):
    """An editor's update of an action: status and progress that agree, dates as people write
    them, an internal note for the partners and, apart, what the public reads."""

    class Meta:
        model = Action
        fields = ["status", "progress", "start_date", "due_date", "owner", "note", "public_note"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
            "public_note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "note": "Note interne (partenaires du territoire seulement)",
            "public_note": "Point d’étape public (visible de toutes et tous)",
        }
        help_texts = {
            "progress": "En pourcentage, de 0 à 100.",
            "note": "Ce qui a été fait, ce qui bloque : lu par les partenaires connectés du "
            "territoire, jamais publié.",
            "public_note": "Laissez vide pour ne rien publier. Ce texte paraît sur la page "
            "publique de l’objectif.",
        }
        error_messages = {
            "progress": {
                "max_value": "L’avancement s’exprime de 0 à 100\u00a0%%.",
                "invalid": "Un nombre entier de 0 à 100 est attendu.",
                "min_value": "L’avancement s’exprime de 0 à 100\u00a0%%.",
            },
            "start_date": {"invalid": "Date attendue, par exemple 12/03/2026."},
            "due_date": {"invalid": "Date attendue, par exemple 12/03/2026."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's check would refuse 140 only after the rules below, with its own sentence
        # ("140" and « Réalisée » read as « avancée à 100 % »): said first, beside the field.
        progress = self.fields["progress"]
        progress.validators.append(MaxValueValidator(100))
        progress.widget.attrs["max"] = 100

    def clean(self):
        cleaned = super().clean()
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "L’échéance ne peut pas précéder le début.")
        status, progress = cleaned.get("status"), cleaned.get("progress")
        if status is None or progress is None:
            return cleaned
        if status == ActionStatus.DONE and progress != 100:
            self.add_error(
                "progress", "Une action réalisée est avancée à 100\u00a0% : corrigez l’avancement."
            )
        elif progress == 100 and status not in (ActionStatus.DONE, ActionStatus.ABANDONED):
            self.add_error("status", "L’action est avancée à 100\u00a0% : choisissez « Réalisée ».")
        elif status == ActionStatus.PLANNED and progress > 0:
            self.add_error(
                "status",
                "Une action prévue n’a pas commencé : choisissez « En cours », ou ramenez "
                "l’avancement à 0\u00a0%.",
            )
        return cleaned


class TargetForm(DsfrBaseForm):
    """A target for an indicator on a territory, as an editor sets it (indicators.set_target
    checks and records it; the objective it serves is kept by the roadmap)."""

    not_applicable = forms.BooleanField(
        label="Sans objet sur ce territoire",
        required=False,
        help_text="La feuille de route ne fixe pas de cible pour cet indicateur ici : les pages "
        "le diront au lieu de « aucune cible fixée ».",
    )
    target_value = NumberField(label="Cible", required=False)
    deadline = MonthField(label="Échéance", required=False)
    baseline_value = NumberField(
        label="Valeur de référence",
        required=False,
        help_text="Le point de départ de la trajectoire ; vide : la valeur observée au mois de "
        "référence.",
    )
    baseline_period = MonthField(label="Mois de référence", required=False)
    milestones = MilestonesField(
        label="Jalons intermédiaires",
        required=False,
        help_text="Un par ligne : le mois, puis la valeur attendue, par exemple « 06/2026 : 60 ».",
    )
    objective = forms.ModelChoiceField(
        label="Objectif de la feuille de route servi par cette cible",
        queryset=Objective.objects.none(),
        required=False,
        empty_label="Aucun",
    )
    note = forms.CharField(
        label="Commentaire public",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Publié avec la cible : ce qu’elle recouvre, pourquoi ce niveau.",
    )
    source = forms.CharField(
        label="Origine de la cible",
        required=False,
        max_length=300,
        help_text="Par exemple : feuille de route 2025-2026, comité du 12 mars 2026.",
    )

    def __init__(self, *args, objectives=None, unit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        objectives = objectives if objectives is not None else Objective.objects.none()
        self.fields["objective"].queryset = objectives
        numbers: dict[int, int] = {}
        several = len({o.roadmap_id for o in objectives}) > 1
        counters: dict[int, int] = {}
        for objective in objectives:
            counters[objective.roadmap_id] = counters.get(objective.roadmap_id, 0) + 1
            numbers[objective.pk] = counters[objective.roadmap_id]
        self.fields["objective"].label_from_instance = lambda o: (
            (f"{o.roadmap.title} — " if several else "")
            + f"objectif {numbers.get(o.pk, '')} : {o.title}"
        )
        if unit == "%":
            for name in ("target_value", "baseline_value"):
                self.fields[name].label += " (%)"
        # django-dsfr's form built its fields' labels already: build them again.
        self._bound_fields_cache.clear()
