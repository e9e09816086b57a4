from django import forms
from dsfr.forms import DsfrBaseForm

from capsante.roadmaps.models import ActionStatus

from .models import Committee, Meeting

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitteeForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["name", "territory", "organisations", "other_members", "description"]
        widgets = {
            "other_members": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "organisations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, territories=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only territories the user may edit: the view passes them (access decides).
        self.fields["territory"].queryset = territories


class MeetingForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["date", "place", "agenda", "attendees", "minutes"]
        widgets = {
            "date": DATE,
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "attendees": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }


class DecisionForm(DsfrBaseForm):
    text = forms.CharField(label="Décision", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label="Porteur", max_length=200)
    due_date = forms.DateField(label="Échéance", required=False, widget=DATE)
    objective = forms.ChoiceField(
        label="Inscrire comme action de la feuille de route",
        required=False,
        help_text="Laisser vide si la décision ne relève d’aucun objectif.",
    )

    def __init__(self, *args, objectives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = {str(o.pk): o for o in objectives}
        self.fields["objective"].choices = [("", "— Aucun objectif —")] + [
            (str(o.pk), f"{number}. {o.title}") for number, o in enumerate(objectives, 1)
        ]

    def clean_objective(self):
        return self.objectives.get(self.cleaned_data.get("objective") or "")


class FollowUpForm(DsfrBaseForm):
    status = forms.ChoiceField(label="Statut", choices=ActionStatus.choices)
    note = forms.CharField(label="Suivi", required=False, widget=forms.Textarea(attrs={"rows": 2}))
