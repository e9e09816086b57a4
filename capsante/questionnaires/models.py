"""Questionnaires built in the platform, published by link, answered without an account.

A questionnaire whose questions are mapped onto the fields of the staged table
`survey_answers` feeds the indicators exactly as an imported survey file does: its answers are
written as that file and imported through the `survey` connector (staging.py).

Answers are about structures (a FINESS or RPPS number); the only personal data is the e-mail
address a respondent may leave and the addresses of a list's invitations: they are erased once
the questionnaire's stated retention has passed (`capsante questionnaire_purge`), hence no
history on those two models.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The fields of `survey_answers` a question may feed (the survey connector's yes/no targets).
TARGETS = (
    ("has_fax", _("Possède un fax")),
    ("has_mss", _("Dispose d’une messagerie sécurisée de santé")),
    ("uses_mss", _("Utilise sa messagerie sécurisée de santé")),
    ("telehealth_equipped", _("Équipé d’une solution de télésanté")),
    ("telehealth_in_use", _("Utilise la télésanté")),
    ("mss_kit", _("A reçu le kit MSSanté")),
)


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public : toute personne qui a le lien")
    LIST = "list", _("Une liste de diffusion : un lien personnel par destinataire")
    STRUCTURES = "structures", _("Des structures connues : un lien pré-rempli par structure")


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    OPEN = "open", _("Ouvert aux réponses")
    CLOSED = "closed", _("Clos")


class Questionnaire(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="questionnaires",
    )
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant dans le lien"), max_length=80, unique=True)
    introduction = models.TextField(_("introduction"), blank=True)
    purpose = models.TextField(
        _("finalité"),
        help_text=_("À quoi servent les réponses : c’est affiché en tête du questionnaire."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("conservation des adresses électroniques (mois)"),
        default=12,
        help_text=_("Après la clôture, les adresses laissées ou invitées sont effacées."),
    )
    audience = models.CharField(
        _("diffusion"), max_length=12, choices=Audience.choices, default=Audience.PUBLIC
    )
    mailing_list = models.ForeignKey(
        "newsletters.MailingList",
        verbose_name=_("liste de diffusion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaires",
    )
    category_groups = models.JSONField(
        _("types de structures interrogées"), default=list, blank=True
    )
    survey = models.SlugField(
        _("identifiant d’enquête pour les indicateurs"),
        max_length=80,
        blank=True,
        help_text=_(
            "Renseigné, les réponses alimentent les indicateurs comme un fichier d’enquête "
            "importé sous cet identifiant (par exemple officines-fax-mssante-2024)."
        ),
    )
    status = models.CharField(
        _("statut"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    closes_on = models.DateField(_("clôture prévue le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiple")
    SCALE = "scale", _("Échelle")
    NUMBER = "number", _("Nombre")
    TEXT = "text", _("Texte libre")
    STRUCTURE = "structure", _("Identifiant de structure")


class Identifier(models.TextChoices):
    FINESS = "finess", _("N° FINESS")
    RPPS = "rpps", _("N° RPPS")


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=1)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("aide"), max_length=300, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    choices = models.JSONField(_("choix"), default=list, blank=True)
    scale_min = models.SmallIntegerField(_("échelle : de"), default=1)
    scale_max = models.SmallIntegerField(_("échelle : à"), default=5)
    identifier = models.CharField(
        _("identifiant demandé"), max_length=6, choices=Identifier.choices, blank=True
    )
    required = models.BooleanField(_("réponse obligatoire"), default=True)
    shown_if = models.ForeignKey(
        "self",
        verbose_name=_("affichée seulement si la question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shown_if_value = models.CharField(_("a pour réponse"), max_length=200, blank=True)
    target = models.CharField(
        _("alimente l’indicateur"), max_length=24, choices=TARGETS, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def field_name(self) -> str:
        return f"q{self.pk}"


class Invitation(models.Model):
    """One recipient of a list asked to answer, with their personal link."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse électronique"), blank=True)
    sent_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("relancé le"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("relances"), default=0)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.email or f"invitation n° {self.pk}"


class Response(models.Model):
    """One answer to a questionnaire: per structure at most one (a new one replaces it)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="responses"
    )
    structure = models.CharField(_("structure (FINESS ou RPPS)"), max_length=11, blank=True)
    establishment = models.ForeignKey(
        "structures.Establishment",
        verbose_name=_("structure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    answers = models.JSONField(_("réponses"), default=dict)
    contact_email = models.EmailField(_("adresse électronique laissée"), blank=True)
    first_submitted_at = models.DateTimeField(_("première réponse le"))
    submitted_at = models.DateTimeField(_("répondu le"))
    replaced = models.PositiveSmallIntegerField(_("réponses remplacées"), default=0)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "structure"],
                condition=~Q(structure=""),
                name="one_answer_per_structure",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "invitation"],
                condition=Q(invitation__isnull=False),
                name="one_answer_per_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} — {self.structure or self.pk}"
