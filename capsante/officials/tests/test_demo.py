"""The demo's officials and CLS, as `capsante demo` loads them (Mayenne and Sarthe from the
package, the seed's Val de Sarthe CLS and others), through the engine: the share of signed CLS
including e-health has a value for Sarthe and each of its EPCI with a signed CLS, and a 100 %
target; Sarthe's mayors are a mailing list."""

import pytest
from django.utils import timezone

from capsante.indicators.models import IndicatorValue, Target
from capsante.indicators.services import current_month
from capsante.newsletters.models import MailingList
from capsante.officials import counts, demo
from capsante.officials.counts import export_contracts
from capsante.officials.lists import retained
from capsante.officials.models import Contract, ContractStatus
from capsante.roadmaps.services import load_seed_roadmaps
from capsante.territories.models import Level, Territory

from .conftest import build_territories, read_package_of


@pytest.mark.django_db
def test_the_demo_shows_the_cls_share_with_its_targets_and_the_mayors_list(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    package = read_package_of({"53", "72"})
    build_territories(package)
    load_seed_roadmaps()
    assert demo.load_demo_officials() == len(
        [r for r in package["officials"] if r["fonction"] in ("MAI", "MDA") or r["fonction_epci"]]
    )
    assert demo.load_demo_officials() is None  # a second demo leaves them
    contracts = demo.load_demo_contracts()
    assert demo.load_demo_contracts() == []
    export_contracts()
    val_de_sarthe = Contract.objects.get(name="Contrat local de santé du Val de Sarthe")
    assert val_de_sarthe.axes.filter(objective__title__contains="élus locaux").exists()
    assert {c.status for c in contracts} == set(ContractStatus)

    def share(territory):
        found = IndicatorValue.objects.filter(
            indicator__code="CLS_EHEALTH_SHARE",
            territory=territory,
            period=current_month(),
            is_current=True,
        ).first()
        return found.value if found else None

    sarthe = Territory.objects.get(level=Level.DEPARTEMENT, code="72")
    signed_epcis = Territory.objects.filter(
        level=Level.EPCI,
        health_contracts__status=ContractStatus.SIGNED,
        member_communes__parent=sarthe,
    ).distinct()
    assert signed_epcis.count() == 3
    # A contract counts in the months it is in force: the demo's dates are fixed (real CLS),
    # so a contract may have reached its end by the day the test runs.
    today = timezone.localdate()
    in_force = [
        c
        for c in Contract.objects.filter(territory__in=signed_epcis)
        if counts.in_force(c, current_month(), today)
    ]
    assert in_force, "the demo has CLS in force"
    for territory in [sarthe, *signed_epcis]:
        target = Target.objects.get(indicator__code="CLS_EHEALTH_SHARE", territory=territory)
        assert target.target_value == 100
    for contract in Contract.objects.filter(territory__in=signed_epcis):
        if contract in in_force:
            assert share(contract.territory) is not None, contract
        else:
            assert share(contract.territory) is None, contract
    with_ehealth = sum(1 for c in in_force if c.axes.exists())
    assert share(sarthe) == pytest.approx(100 * with_ehealth / len(in_force))

    mayors = [r for r in package["officials"] if r["fonction"] == "MAI"]
    sarthe_mayors = [
        r for r in mayors if package["communes"][r["commune_id"]]["departement_code"] == "72"
    ]
    mailing_list = MailingList.objects.get(name="Maires de la Sarthe")
    assert mailing_list.officials_source.territory == sarthe
    assert retained(mailing_list.officials_source).count() == len(sarthe_mayors)
