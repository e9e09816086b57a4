from django import forms
from django.forms import inlineformset_factory
from dsfr.forms import DsfrBaseForm

from capsante.roadmaps.models import Objective

from .models import Axis, Contract, WorkingGroup

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "name",
            "territory",
            "status",
            "signed_on",
            "ends_on",
            "signatories",
            "coordinator_name",
            "coordinator_email",
            "notes",
        ]
        widgets = {
            "signed_on": DATE,
            "ends_on": DATE,
            "signatories": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, territories=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the territories the user may edit: the view passes them (access decides).
        self.fields["territory"].queryset = territories
        self.fields["territory"].label_from_instance = lambda t: f"{t.name} ({t.code})"

    def clean(self):
        data = super().clean()
        signed, ends, status = data.get("signed_on"), data.get("ends_on"), data.get("status")
        if status in ("signe", "echu") and not signed:
            self.add_error("signed_on", "Un contrat signé a une date de signature.")
        if signed and ends and ends < signed:
            self.add_error("ends_on", "L’échéance suit la signature.")
        return data


class AxisForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Axis
        fields = ["title", "actions", "objective", "progress", "order"]
        widgets = {"actions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, objectives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = (
            objectives if objectives is not None else Objective.objects.none()
        )
        self.fields["objective"].label_from_instance = lambda o: (
            f"{o.roadmap.territory.name} — {o.title}"
        )


class WorkingGroupForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = WorkingGroup
        fields = ["date", "topic", "attended"]
        widgets = {"date": DATE}


AxisFormSet = inlineformset_factory(Contract, Axis, form=AxisForm, extra=2, can_delete=True)
WorkingGroupFormSet = inlineformset_factory(
    Contract, WorkingGroup, form=WorkingGroupForm, extra=2, can_delete=True
)


class InviteForm(DsfrBaseForm):
    event = forms.ModelChoiceField(label="Événement", queryset=None)
    mailing_list = forms.ModelChoiceField(label="Liste d’élus", queryset=None)

    def __init__(self, *args, events=None, lists=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events
        self.fields["mailing_list"].queryset = lists
