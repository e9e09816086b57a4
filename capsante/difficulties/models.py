"""Field difficulties ("remontées terrain"): what professionals meet with the new digital uses
(DMP, MSSanté, INS, Pro Santé Connect…), reported on a public form or by an adviser, followed
to its resolution with the national level or the software vendor, as the Sentinelle scheme does
(see DESIGN.md, "Remontée terrain", and docs/decisions/0019).

A difficulty belongs to the département of its commune: that is where partners read it and
advisers follow it. The reporter's address, when given with consent, lives apart
(`ReporterContact`, no history) and is erased some days after the difficulty is closed.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Profession(models.TextChoices):
    GENERAL_PRACTITIONER = "medecin_generaliste", _("Médecin généraliste")
    SPECIALIST = "medecin_specialiste", _("Médecin spécialiste")
    PHARMACIST = "pharmacien", _("Pharmacien")
    NURSE = "infirmier", _("Infirmier")
    PHYSIOTHERAPIST = "kinesitherapeute", _("Masseur-kinésithérapeute")
    MIDWIFE = "sage_femme", _("Sage-femme")
    DENTIST = "chirurgien_dentiste", _("Chirurgien-dentiste")
    BIOLOGIST = "biologiste", _("Biologiste")
    SECRETARY = "secretariat", _("Secrétaire médicale, assistant médical")
    ESTABLISHMENT = "etablissement", _("Établissement de santé (direction, cadre, DIM)")
    ESMS = "esms", _("Établissement ou service médico-social")
    OTHER = "autre", _("Autre profession")


class Service(models.TextChoices):
    """The service concerned, as the roadmaps name them."""

    DMP = "dmp", _("DMP, Mon espace santé")
    MSSANTE = "mssante", _("MSSanté (messagerie sécurisée)")
    INS = "ins", _("INS (identité nationale de santé)")
    PRO_SANTE_CONNECT = "psc", _("Pro Santé Connect")
    E_PRESCRIPTION = "e_prescription", _("Ordonnance numérique (e-prescription)")
    TELEHEALTH = "telesante", _("Télésanté")
    REGIONAL_TOOLS = "outils_regionaux", _("Outils régionaux (ROR, e-santé Mail…)")
    OTHER = "autre", _("Autre service")


class Blocker(models.TextChoices):
    """The blocker categories of Sentinelle's published list (esante.gouv.fr/segur/sentinelle)."""

    INS_WITHOUT_SECRETARY = "ins_sans_secretariat", _("Qualification de l’INS sans secrétariat")
    SEGUR_VERSIONS = "versions_segur", _("Déploiement lent des versions Ségur des logiciels")
    MSSANTE_EQUIPMENT = "equipement_mssante", _("Équipement en MSSanté")
    MSSANTE_DIRECTORY = (
        "annuaire_mssante",
        _("Trouver et mettre à jour ses adresses dans l’annuaire MSSanté"),
    )
    DELEGATION = "delegation", _("Contraintes de la délégation")
    OTHER = "autre", _("Autre")


class Status(models.TextChoices):
    NEW = "nouvelle", _("Nouvelle")
    QUALIFIED = "qualifiee", _("Qualifiée")
    ESCALATED = "escaladee", _("Escaladée")
    RESOLVED = "resolue", _("Résolue")
    CLOSED_UNRESOLVED = "close", _("Close non résolue")


OPEN_STATUSES = (Status.NEW, Status.QUALIFIED, Status.ESCALATED)
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED_UNRESOLVED)


class EscalatedTo(models.TextChoices):
    CNAM = "cnam", _("Assurance Maladie (CNAM)")
    ANS = "ans", _("Agence du numérique en santé (ANS)")
    VENDOR = "editeur", _("Éditeur du logiciel")
    GRADES = "grades", _("GRADeS")


class Origin(models.TextChoices):
    PUBLIC_FORM = "formulaire", _("Formulaire public")
    ADVISER = "conseiller", _("Saisie par un conseiller")


class Vendor(models.Model):
    """A software vendor of the maintained list (edited in the admin)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    active = models.BooleanField(_("proposé dans les formulaires"), default=True)
    demo = models.BooleanField(
        _("donnée de démonstration"),
        default=False,
        help_text=_("Liste d’exemple livrée avec la plateforme : à vérifier avant la production."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("éditeur de logiciel")
        verbose_name_plural = _("éditeurs de logiciels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    vendor = models.ForeignKey(
        Vendor, verbose_name=_("éditeur"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("logiciel"), max_length=120)
    category = models.CharField(
        _("catégorie"), max_length=80, blank=True, help_text=_("Logiciel de cabinet, d’officine…")
    )
    active = models.BooleanField(_("proposé dans les formulaires"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("logiciel")
        verbose_name_plural = _("logiciels")
        ordering = ["vendor__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "name"], name="product_unique_per_vendor")
        ]

    def __str__(self) -> str:
        if self.name == self.vendor.name:
            return self.name
        return f"{self.name} ({self.vendor.name})"


class Difficulty(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="difficulties",
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="difficulties_here",
        limit_choices_to={"level": "commune"},
    )
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    service = models.CharField(_("service concerné"), max_length=30, choices=Service.choices)
    product = models.ForeignKey(
        Product,
        verbose_name=_("logiciel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="difficulties",
    )
    other_software = models.CharField(_("autre logiciel"), max_length=150, blank=True)
    description = models.TextField(_("ce qui s’est passé"))
    origin = models.CharField(_("origine"), max_length=12, choices=Origin.choices)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    blocker = models.CharField(
        _("catégorie de blocage"), max_length=30, choices=Blocker.choices, blank=True
    )
    escalated_to = models.CharField(
        _("escaladée à"), max_length=12, choices=EscalatedTo.choices, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="difficulties_owned",
    )
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    resolution = models.TextField(_("réponse apportée"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("doublon de"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("signalée le"))
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("difficulté remontée")
        verbose_name_plural = _("difficultés remontées")
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["territory", "status"])]

    def __str__(self) -> str:
        return f"n° {self.pk} — {self.get_service_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def software_label(self) -> str:
        if self.product_id:
            return str(self.product)
        return self.other_software or "Non précisé"


class Comment(models.Model):
    difficulty = models.ForeignKey(
        Difficulty, verbose_name=_("difficulté"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("commentaire"))
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.difficulty} : {self.text[:40]}"


class ReporterContact(models.Model):
    """The reporter's address, given with consent to be told of the resolution. Personal data:
    no history; erased CAPSANTE_DIFFICULTIES_CONTACT_RETENTION_DAYS days after closure."""

    difficulty = models.OneToOneField(
        Difficulty, verbose_name=_("difficulté"), on_delete=models.CASCADE, related_name="contact"
    )
    email = models.EmailField(_("adresse électronique"), max_length=254)
    consented_at = models.DateTimeField(_("consentement donné le"))
    notified_at = models.DateTimeField(_("informé de la résolution le"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact du déclarant")
        verbose_name_plural = _("contacts des déclarants")

    def __str__(self) -> str:
        return f"contact de la difficulté n° {self.difficulty_id}"
