"""Tokens with which machine clients (partners' data warehouses, the GRADeS's dashboards) call
the API, each acting as a partner with one role on one territory (docs/decisions/0010)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.accounts.models import Role


class ApiToken(models.Model):
    name = models.CharField(
        _("nom"), max_length=120, help_text=_("Ex. : entrepôt de données de la CPAM")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.READER)
    scope = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("périmètre"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Territoire sur lequel le jeton agit."),
    )
    # Kept in clear to recognise a token (in lists, in logs) without its secret.
    prefix = models.CharField(_("préfixe"), max_length=8, unique=True, editable=False)
    # SHA-256 of the whole token: the secret itself is shown once and never stored. A slow hash
    # is not needed: the token is 32 random bytes, out of reach of guessing, unlike a password.
    digest = models.CharField(_("empreinte"), max_length=64, editable=False)
    # The technical account the token acts through: authorship of what it writes (manual
    # entries, audit histories) points to it. No password, no profile: it cannot sign in.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte technique"),
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, editable=False)
    expires_at = models.DateTimeField(
        _("expire le"), null=True, blank=True, help_text=_("Vide : n'expire pas.")
    )
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoqué par"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Each use would otherwise add a history record: the last use is a counter, not a change.
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "révoqué"
        if not self.is_active:
            return "expiré"
        return "actif"
