from django import forms
from dsfr.forms import DsfrBaseForm

from .models import Action


class ActionUpdateForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Action
        fields = ["status", "progress", "start_date", "due_date", "owner", "note"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"progress": "De 0 à 100.", "note": "Ce qui a été fait, ce qui bloque."}

    def clean(self):
        cleaned = super().clean()
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "L’échéance ne peut pas précéder le début.")
        return cleaned
