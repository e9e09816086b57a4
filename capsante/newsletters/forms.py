from django import forms
from dsfr.forms import DsfrBaseForm

from .models import Issue


class SubscribeForm(DsfrBaseForm):
    email = forms.EmailField(label="Adresse électronique", max_length=254)
    name = forms.CharField(label="Nom", max_length=150, required=False)
    consent = forms.BooleanField(label="Consentement", required=True)

    def __init__(self, *args, list_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = self["consent"].label = (
            f"J’accepte de recevoir « {list_name} » à cette adresse. Elle ne sert qu’à cet envoi ; "
            "chaque lettre contient un lien pour se désabonner, avec effet immédiat."
        )
        self.fields["consent"].error_messages["required"] = "Votre accord est nécessaire."
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"


class AddSubscribersForm(DsfrBaseForm):
    lines = forms.CharField(
        label="Adresses à ajouter",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=200_000,
        help_text="Une par ligne : « adresse » ou « Nom <adresse> ». Seulement des personnes qui "
        "ont accepté de recevoir la lettre ; une adresse désabonnée n’est jamais ajoutée.",
    )


class IssueForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
