from django import forms
from dsfr.forms import DsfrBaseForm

from capsante.establishments.models import ContactPerson

from .models import Contact, Stage

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoveForm(DsfrBaseForm):
    stage = forms.ModelChoiceField(
        label="Nouvelle étape", queryset=Stage.objects.none(), empty_label=None
    )
    evidence = forms.CharField(
        label="Justificatif",
        required=False,
        max_length=300,
        help_text="Ex. : adresse MSSanté, courriel de résiliation de la ligne. Obligatoire pour "
        "l’étape finale.",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label="Je confirme que la structure a atteint l’étape finale, justificatif à l’appui",
        required=False,
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = campaign.stages.all()
        self.final = campaign.final_stage
        self.fields["confirm"].label = (
            f"Je confirme que la structure a atteint l’étape finale (« {self.final.label} »), "
            "justificatif à l’appui"
        )
        self._bound_fields_cache.clear()

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        if stage is not None and stage.pk == self.final.pk:
            if not cleaned.get("evidence", "").strip():
                self.add_error(
                    "evidence",
                    "L’étape finale demande un justificatif : l’adresse MSSanté utilisée, le "
                    "courriel de résiliation de la ligne…",
                )
            if not cleaned.get("confirm"):
                self.add_error("confirm", "Cochez la case pour confirmer l’étape finale.")
        return cleaned


class BulkMoveForm(DsfrBaseForm):
    """The same stage for the structures ticked in the call list (never the final stage)."""

    stage = forms.ModelChoiceField(
        label="Passer les structures cochées à l’étape",
        queryset=Stage.objects.none(),
        empty_label="Choisir une étape",
    )
    evidence = forms.CharField(label="Justificatif commun", required=False, max_length=300)
    followups = forms.MultipleChoiceField(label="Structures", choices=[])

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        final = campaign.final_stage
        self.fields["stage"].queryset = campaign.stages.exclude(pk=final.pk)
        self.fields["followups"].choices = [
            (f, f) for f in (self.data.getlist("followups") if self.data else [])
        ]
        self.fields["followups"].error_messages["required"] = (
            "Cochez au moins une structure dans la liste."
        )


class ContactForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "outcome", "note", "next_step", "next_date"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3}), "next_date": DATE_WIDGET}
        labels = {"next_date": "Date du rappel ou de la prochaine étape"}
        help_texts = {
            "next_date": "Elle paraît dans la liste d’appels, son export et les rappels du jour."
        }
        error_messages = {"next_date": {"invalid": "Date attendue, par exemple 12/03/2026."}}


class ContactPersonForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["name", "role", "phone", "email", "note"]
        help_texts = {"role": "Ex. : pharmacienne titulaire, directeur, référent informatique."}


class CallListFilter(DsfrBaseForm):
    q = forms.CharField(label="Structure, commune, code postal ou FINESS", required=False)
    stage = forms.ChoiceField(label="Étape", required=False)
    no_mss = forms.BooleanField(label="Sans MSSanté seulement", required=False)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        final = campaign.final_stage
        self.fields["stage"].choices = [("", "Toutes les étapes non finales")] + [
            (s.code, f"{s.label} (étape finale)" if s.pk == final.pk else s.label)
            for s in campaign.stages.all()
        ]
