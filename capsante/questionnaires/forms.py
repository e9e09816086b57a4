from django import forms
from dsfr.forms import DsfrBaseForm

from capsante.establishments.models import CategoryGroup
from capsante.newsletters.models import MailingList
from capsante.ui import formats

from . import services, staging
from .answering import visible
from .models import Audience, Identifier, Question, QuestionKind, Questionnaire

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_TEXT = 2000


class QuestionnaireForm(DsfrBaseForm, forms.ModelForm):
    category_groups = forms.MultipleChoiceField(
        label="Types de structures interrogées",
        choices=CategoryGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pour une diffusion à des structures connues : leurs liens pré-remplis.",
    )

    class Meta:
        model = Questionnaire
        fields = [
            "territory",
            "title",
            "slug",
            "introduction",
            "purpose",
            "retention_months",
            "audience",
            "mailing_list",
            "category_groups",
            "survey",
            "closes_on",
        ]
        widgets = {"closes_on": DATE}

    def __init__(self, *args, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories
        self.fields["mailing_list"].queryset = MailingList.objects.filter(
            territory__in=territories
        ).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("audience") == Audience.LIST and not data.get("mailing_list"):
            self.add_error("mailing_list", "Choisissez la liste à interroger.")
        return data

    def clean_survey(self):
        """Two questionnaires under one survey identifier would replace each other's answers in
        the indicators at each transmission."""
        survey = self.cleaned_data.get("survey", "")
        if survey:
            other = Questionnaire.objects.filter(survey=survey).exclude(pk=self.instance.pk)
            if other.exists():
                raise forms.ValidationError(
                    f"L’identifiant « {survey} » est déjà celui du questionnaire « "
                    f"{other.first().title} » : choisissez-en un autre."
                )
        return survey


class QuestionForm(DsfrBaseForm, forms.ModelForm):
    choices_text = forms.CharField(
        label="Choix proposés",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un choix par ligne (questions à choix unique ou multiple).",
    )

    class Meta:
        model = Question
        fields = [
            "order",
            "text",
            "help_text",
            "kind",
            "scale_min",
            "scale_max",
            "identifier",
            "required",
            "shown_if",
            "shown_if_value",
            "target",
        ]

    def __init__(self, *args, questionnaire: Questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        earlier = questionnaire.questions.filter(
            kind__in=[QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE]
        )
        if self.instance.pk:
            earlier = earlier.exclude(pk=self.instance.pk)
            self.fields["choices_text"].initial = "\n".join(self.instance.choices)
        self.fields["shown_if"].queryset = earlier.order_by("order", "pk")
        self.fields["shown_if"].label = "Afficher seulement si la question"
        self.fields["shown_if_value"].label = "a pour réponse"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        choices = [c.strip() for c in (data.get("choices_text") or "").splitlines() if c.strip()]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if len(choices) < 2:
                self.add_error("choices_text", "Proposez au moins deux choix, un par ligne.")
            if len(set(choices)) != len(choices):
                self.add_error("choices_text", "Chaque choix ne doit figurer qu’une fois.")
        else:
            choices = []
        self.instance.choices = choices
        if kind == QuestionKind.SCALE:
            low, high = data.get("scale_min"), data.get("scale_max")
            if low is not None and high is not None and not (low < high <= low + 10):
                self.add_error(
                    "scale_max", "L’échelle va d’une valeur à une plus grande (11 au plus)."
                )
        if kind == QuestionKind.STRUCTURE and not data.get("identifier"):
            self.add_error("identifier", "Choisissez l’identifiant demandé : FINESS ou RPPS.")
        problem = staging.target_problem(kind or "", choices, data.get("target") or "")
        if problem:
            self.add_error("target", problem)
        if data.get("shown_if") and not data.get("shown_if_value"):
            self.add_error("shown_if_value", "Indiquez la réponse qui fait afficher la question.")
        return data


class _Lenient:
    """A field marked required (django-dsfr then marks the others « (Optionnel) ») whose
    emptiness the form judges: a required question hidden by its condition needs no answer."""

    def validate(self, value):
        required, self.required = self.required, False
        try:
            super().validate(value)
        finally:
            self.required = required


class ChoiceField(_Lenient, forms.ChoiceField):
    pass


class MultipleChoiceField(_Lenient, forms.MultipleChoiceField):
    pass


class CharField(_Lenient, forms.CharField):
    pass


class AnswerForm(DsfrBaseForm):
    """The questions of a questionnaire, as fields; whether an answer is required depends on the
    conditions, checked on what was answered."""

    use_required_attribute = False  # the browser would refuse a hidden required question

    contact_email = forms.EmailField(
        label="Votre adresse électronique", required=False, max_length=254
    )

    def __init__(self, *args, questionnaire: Questionnaire, fixed_structure: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.questions = services.questions(questionnaire)
        self.fixed_structure = fixed_structure
        self.numbers = {q.pk: n for n, q in enumerate(self.questions, start=1)}
        email = self.fields.pop("contact_email")
        email.help_text = (
            "Seulement si vous acceptez d’être recontacté au sujet de vos réponses. Elle sera "
            f"effacée {questionnaire.retention_months} mois après la clôture du questionnaire."
        )
        for question in self.questions:
            if question.kind == QuestionKind.STRUCTURE and fixed_structure:
                continue
            field = self._field(question)
            if question.shown_if_id:
                # behaviours.js hides the question until the answer it depends on is given.
                field.widget.attrs.update(
                    {
                        "data-shown-if": question.shown_if.field_name,
                        "data-shown-if-value": question.shown_if_value,
                    }
                )
            self.fields[question.field_name] = field
        self.fields["contact_email"] = email

    def _field(self, question: Question) -> forms.Field:
        number = self.numbers[question.pk]
        label = f"{number}. {question.text}"
        hint = question.help_text
        if question.shown_if_id:
            condition = (
                f"À remplir si vous avez répondu « {question.shown_if_value} » à la question "
                f"{self.numbers.get(question.shown_if_id, '')}."
            )
            hint = f"{hint} {condition}".strip()
        common = {"label": label, "required": question.required, "help_text": hint}
        if question.kind == QuestionKind.SINGLE:
            return ChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
            )
        if question.kind == QuestionKind.MULTIPLE:
            return MultipleChoiceField(
                choices=[(c, c) for c in question.choices],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        if question.kind == QuestionKind.SCALE:
            values = [str(v) for v in range(question.scale_min, question.scale_max + 1)]
            common["help_text"] = (
                f"{hint} De {values[0]} (le moins) à {values[-1]} (le plus).".strip()
            )
            return ChoiceField(choices=[(v, v) for v in values], widget=forms.RadioSelect, **common)
        if question.kind == QuestionKind.NUMBER:
            return CharField(max_length=30, **common)
        if question.kind == QuestionKind.STRUCTURE:
            kind = question.identifier or Identifier.FINESS
            field = CharField(max_length=20, **common)
            field.widget.attrs.update(
                {
                    "inputmode": "numeric" if kind == Identifier.RPPS else "text",
                    "autocomplete": "off",
                }
            )
            return field
        return CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}), **common)

    def clean(self):
        data = super().clean()
        answers: dict = {}
        self.structure = ""
        for question in self.questions:
            name = question.field_name
            if name not in self.fields or name in self.errors:
                continue
            value = data.get(name)
            if value in (None, "", []):
                continue
            if question.kind == QuestionKind.NUMBER:
                number = formats.parse_number(value)
                if number is None:
                    self.add_error(name, "Écrivez un nombre, par exemple 12 ou 3,5.")
                    continue
                value = int(number) if number.is_integer() else number
            elif question.kind == QuestionKind.SCALE:
                value = int(value)
            elif question.kind == QuestionKind.STRUCTURE:
                try:
                    value = services.clean_identifier(question.identifier, value)
                except ValueError as exc:
                    self.add_error(name, str(exc))
                    continue
            answers[str(question.pk)] = value
        shown = visible(self.questions, answers)
        for question in self.questions:
            name = question.field_name
            if question.pk not in shown:
                answers.pop(str(question.pk), None)  # an answer to a hidden question is dropped
            elif (
                question.required
                and name in self.fields
                and str(question.pk) not in answers
                and name not in self.errors
            ):
                self.add_error(name, "Répondez à cette question.")
            if question.kind == QuestionKind.STRUCTURE and str(question.pk) in answers:
                self.structure = self.structure or answers[str(question.pk)]
        self.answers = answers
        return data
