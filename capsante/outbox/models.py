"""Mail waiting to go, or gone: the outbox every alert passes through.

A mail is written in the same transaction as the change that causes it and sent once that
transaction has committed; a mail server that fails never rolls a change back, and what it
refused is retried later (`capsante send_pending_mail`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    kind = models.CharField(_("nature"), max_length=40)
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("texte"))
    recipients = models.JSONField(_("destinataires"), default=list)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.subject
