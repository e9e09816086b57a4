from django import forms
from dsfr.forms import DsfrBaseForm

from .models import Contact, Stage


class MoveForm(DsfrBaseForm):
    stage = forms.ModelChoiceField(
        label="Nouvelle étape", queryset=Stage.objects.none(), empty_label=None
    )
    evidence = forms.CharField(
        label="Justificatif",
        required=False,
        max_length=300,
        help_text="Ex. : adresse MSSanté, courriel de résiliation de la ligne.",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = campaign.stages.all()


class ContactForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "outcome", "note", "next_step", "next_date"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "next_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


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
