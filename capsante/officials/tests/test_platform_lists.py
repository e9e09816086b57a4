"""The lists the platform keeps from its own data: each département's CLS coordinators and its
Mon espace santé ambassadors, following contracts and the ambassadors' directory day after day
(`capsante refresh_lists`); an address that unsubscribed never comes back."""

import pytest
from django.core.management import call_command

from capsante.events.models import Ambassador, AmbassadorStatus
from capsante.newsletters.models import MailingList, SubscriberStatus
from capsante.officials.models import Contract, ContractStatus

pytestmark = pytest.mark.django_db


def addresses(slug: str) -> set[str]:
    mailing_list = MailingList.objects.get(slug=slug)
    return set(
        mailing_list.subscribers.filter(status=SubscriberStatus.SUBSCRIBED).values_list(
            "email", flat=True
        )
    )


def test_coordinators_and_ambassadors_become_lists_that_follow_them(geography, capsys):
    communes = geography["communes"]
    Contract.objects.create(
        name="CLS du Mans", territory=geography["epci"]["le_mans"], status=ContractStatus.SIGNED,
        coordinator_name="Claire Dubois", coordinator_email="claire.dubois@lemans.example",
    )  # fmt: skip
    Contract.objects.create(
        name="CLS échu", territory=geography["epci"]["le_mans"], status=ContractStatus.EXPIRED,
        coordinator_email="ancien@lemans.example",
    )  # fmt: skip
    Contract.objects.create(
        name="CLS de Laval", territory=geography["epci"]["laval"], status=ContractStatus.PREPARING,
        coordinator_email="coordination@laval.example",
    )  # fmt: skip
    camille = Ambassador.objects.create(
        territory=geography["sarthe"], commune=communes["72181"], name="Camille Martin",
        email="camille@fs.example", organisation="France Services du Mans",
    )  # fmt: skip
    Ambassador.objects.create(
        territory=geography["sarthe"], name="Sans adresse", organisation="Mairie d’Allonnes"
    )
    call_command("refresh_lists")
    assert "listes des coordinateurs de CLS et des ambassadeurs : 4" in capsys.readouterr().out
    assert addresses("coordinateurs-cls-72") == {"claire.dubois@lemans.example"}
    assert addresses("coordinateurs-cls-53") == {"coordination@laval.example"}
    assert addresses("ambassadeurs-72") == {"camille@fs.example"}
    assert not MailingList.objects.get(slug="ambassadeurs-72").open_to_public

    # Camille leaves the network; the Sarthe coordinator unsubscribes, then their contract's
    # coordination changes hands and comes back to them: they stay unsubscribed.
    Ambassador.objects.filter(pk=camille.pk).update(status=AmbassadorStatus.LEFT)
    sarthe = MailingList.objects.get(slug="coordinateurs-cls-72")
    sarthe.subscribers.filter(email="claire.dubois@lemans.example").update(
        status=SubscriberStatus.UNSUBSCRIBED
    )
    call_command("refresh_lists")
    assert addresses("ambassadeurs-72") == set()
    assert addresses("coordinateurs-cls-72") == set()
    assert sarthe.subscribers.get(email="claire.dubois@lemans.example").status == (
        SubscriberStatus.UNSUBSCRIBED
    )
