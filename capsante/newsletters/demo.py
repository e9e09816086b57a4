"""The demo's mailing list: the newsletter of the Mon espace santé ambassadors of Pays de la
Loire (Sarthe's roadmap), with one issue in its archives. Idempotent; no subscriber is made up."""

from django.utils import timezone

from capsante.territories.models import Level, Territory

from .models import Issue, IssueStatus, MailingList

SLUG = "ambassadeurs-mon-espace-sante"


def load_demo_lists() -> MailingList | None:
    region = Territory.objects.filter(level=Level.REGION, code="52").first()
    if region is None:
        return None
    mailing_list, created = MailingList.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Ambassadrices et ambassadeurs de Mon espace santé en Pays de la Loire",
            "territory": region,
            "description": "Les nouvelles du réseau : formations, supports, événements à relayer.",
        },
    )
    if created:
        Issue.objects.create(
            mailing_list=mailing_list,
            subject="Le réseau des ambassadeurs : les rendez-vous du trimestre",
            body="Bonjour à toutes et à tous,\n\nRetrouvez les matinées Mon espace santé et les "
            "ateliers d’activation près de chez vous sur la page des événements de Cap e-santé.\n\n"
            "L’équipe e-santé de l’ARS, de l’Assurance Maladie et du GRADeS",
            status=IssueStatus.SENT,
            sent_at=timezone.now(),
        )
    return mailing_list
