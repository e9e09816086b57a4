"""Newsletters: mailing lists (the ambassadors of Mon espace santé, a territory's elected
officials, CLS coordinators…), their subscribers and the issues sent to them.

Subscribers are personal data: no audit history. Someone who unsubscribes is never mailed again:
their row stays, reduced to a keyed digest of the address (no name, no address), so that a later
import of the same address is refused; only their own new double opt-in subscribes them again.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MailingList(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="mailing_lists",
    )
    description = models.TextField(_("présentation"), blank=True)
    open_to_public = models.BooleanField(
        _("inscription libre"),
        default=True,
        help_text=_("Chacun peut s’inscrire lui-même (avec confirmation par courriel)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("liste de diffusion")
        verbose_name_plural = _("listes de diffusion")
        ordering = ["territory__code", "name"]

    def __str__(self) -> str:
        return self.name


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("À confirmer par courriel")
    SUBSCRIBED = "subscribed", _("Abonné")
    UNSUBSCRIBED = "unsubscribed", _("Désabonné")


class Subscriber(models.Model):
    mailing_list = models.ForeignKey(
        MailingList, verbose_name=_("liste"), on_delete=models.CASCADE, related_name="subscribers"
    )
    email = models.EmailField(_("adresse électronique"), blank=True)
    email_digest = models.CharField(max_length=64, editable=False, db_index=True)
    name = models.CharField(_("nom"), max_length=150, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=SubscriberStatus.choices,
        default=SubscriberStatus.PENDING,
    )
    added_by_editor = models.BooleanField(_("ajouté par un éditeur"), default=False)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("désabonné le"), null=True, blank=True)

    class Meta:
        verbose_name = _("abonné")
        verbose_name_plural = _("abonnés")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailing_list", "email_digest"], name="one_subscription_per_address"
            )
        ]

    def __str__(self) -> str:
        return self.email or f"désabonné n° {self.pk}"


class IssueStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SENDING = "sending", _("En cours d’envoi")
    SENT = "sent", _("Envoyée")


class Issue(models.Model):
    """One issue of a newsletter, written in the platform, sent in batches from a job."""

    mailing_list = models.ForeignKey(
        MailingList, verbose_name=_("liste"), on_delete=models.PROTECT, related_name="issues"
    )
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"), help_text=_("Texte brut ; les liens sont écrits en clair."))
    status = models.CharField(
        _("statut"), max_length=10, choices=IssueStatus.choices, default=IssueStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rédigée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("numéro de lettre")
        verbose_name_plural = _("numéros de lettre")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """An issue to one subscriber: the outbox mail that carries it (deleted with its address
    after the outbox's retention, the outcome staying here)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    mail = models.ForeignKey(
        "outbox.OutgoingMail", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("envoi à un abonné")
        verbose_name_plural = _("envois aux abonnés")
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="one_delivery_per_issue")
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.subscriber}"
