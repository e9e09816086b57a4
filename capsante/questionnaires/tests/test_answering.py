"""Answering without an account: pre-filled links, the FINESS and RPPS checks, conditions,
one answer per structure said on screen, and the public form's defences."""

import datetime as dt

import pytest
from django.urls import reverse

from capsante.establishments.models import Establishment
from capsante.questionnaires import answering
from capsante.questionnaires.models import (
    Audience,
    Identifier,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Status,
)

from .pharmacies import finess_numbers


@pytest.fixture
def officines(geography):
    return [
        Establishment.objects.create(
            finess_et=finess,
            name=f"PHARMACIE {n}",
            category_code="620",
            category_group="officine",
            commune=geography["communes"]["72181"],
            departement_code="72",
        )
        for n, finess in enumerate(finess_numbers(3), start=1)
    ]


def fields(questionnaire) -> dict[str, str]:
    return {q.target or q.kind: q.field_name for q in questionnaire.questions.all()}


@pytest.mark.django_db
def test_a_pharmacy_answers_by_its_prefilled_link_and_a_second_answer_replaces_the_first(
    client, pharmacy, officines
):
    first = officines[0]
    url = answering.link("", pharmacy, answering.structure_token(pharmacy, first.finess_et))
    url = url.split("8000", 1)[-1]
    page = client.get(url).content.decode()
    assert "PHARMACIE 1" in page and first.finess_et in page
    assert "N° FINESS de l’officine" not in page  # known: not asked
    assert "effacée 12 mois après la clôture" in page  # the retention, said
    f = fields(pharmacy)
    answer = {f["has_fax"]: "Oui", f["has_mss"]: "Oui", f["uses_mss"]: "Non"}
    response = client.post(url, answer, follow=True)
    assert "Merci pour votre réponse" in response.content.decode()
    saved = Response.objects.get()
    assert saved.structure == first.finess_et and saved.establishment == first
    assert saved.answers[f["structure"][1:]] == first.finess_et

    again = client.get(url).content.decode()
    assert "votre nouvelle réponse remplacera la précédente" in again
    response = client.post(url, {f["has_fax"]: "Non", f["has_mss"]: "Non"}, follow=True)
    text = response.content.decode()
    assert f"Une réponse avait déjà été donnée pour la structure {first.finess_et}" in text
    assert "la vôtre la remplace" in text
    saved = Response.objects.get()
    assert saved.replaced == 1 and saved.answers[f["has_fax"][1:]] == "Non"
    assert f["uses_mss"][1:] not in saved.answers  # not asked without an MSSanté


@pytest.mark.django_db
def test_a_condition_makes_a_question_required_only_when_shown(client, pharmacy, officines):
    f = fields(pharmacy)
    url = reverse(
        "questionnaires:answer_link",
        args=[pharmacy.slug, answering.structure_token(pharmacy, officines[1].finess_et)],
    )
    page = client.get(url).content.decode()
    assert f'data-shown-if="{f["has_mss"]}"' in page and 'data-shown-if-value="Oui"' in page
    assert "À remplir si vous avez répondu « Oui » à la question 3" in page
    refused = client.post(url, {f["has_fax"]: "Oui", f["has_mss"]: "Oui"})
    assert refused.status_code == 400
    assert "Répondez à cette question." in refused.content.decode()
    assert client.post(url, {f["has_fax"]: "Oui", f["has_mss"]: "Non"}).status_code == 302
    # An answer to a question not shown is dropped.
    client.post(url, {f["has_fax"]: "Oui", f["has_mss"]: "Non", f["uses_mss"]: "Oui"})
    assert f["uses_mss"][1:] not in Response.objects.get().answers


@pytest.mark.django_db
def test_a_public_questionnaire_checks_finess_and_rpps_numbers(client, geography, officines):
    questionnaire = Questionnaire.objects.create(
        territory=geography["sarthe"], title="Annuaire", slug="annuaire", purpose="Tester.",
        audience=Audience.PUBLIC, status=Status.OPEN,
    )  # fmt: skip
    finess = Question.objects.create(
        questionnaire=questionnaire, order=1, text="FINESS", kind=QuestionKind.STRUCTURE,
        identifier=Identifier.FINESS,
    )  # fmt: skip
    rpps = Question.objects.create(
        questionnaire=questionnaire, order=2, text="RPPS", kind=QuestionKind.STRUCTURE,
        identifier=Identifier.RPPS, required=False,
    )  # fmt: skip
    url = reverse("questionnaires:answer", args=["annuaire"])
    good = officines[0].finess_et
    wrong_key = good[:-1] + str((int(good[-1]) + 1) % 10)
    page = client.post(url, {finess.field_name: wrong_key}).content.decode()
    assert "sa clé de contrôle ne correspond pas" in page
    page = client.post(url, {finess.field_name: "72-12"}).content.decode()
    assert "9 caractères" in page
    page = client.post(url, {finess.field_name: good, rpps.field_name: "1234"}).content.decode()
    assert "11 chiffres" in page
    done = client.post(
        url, {finess.field_name: f" {good[:3]} {good[3:]} ", rpps.field_name: "10001234567"}
    )
    assert done.status_code == 302
    assert Response.objects.get().structure == good
    # The same structure typed again: one answer kept, the replacement said.
    page = client.post(url, {finess.field_name: good}, follow=True).content.decode()
    assert "la vôtre la remplace" in page and Response.objects.count() == 1


@pytest.mark.django_db
def test_links_cannot_be_forged_drafts_are_hidden_and_a_closed_questionnaire_says_so(
    client, pharmacy, officines, geography
):
    token = answering.structure_token(pharmacy, officines[0].finess_et)
    assert (
        client.get(
            reverse("questionnaires:answer_link", args=[pharmacy.slug, token[:-2] + "xx"])
        ).status_code
        == 404
    )
    other = Questionnaire.objects.create(
        territory=geography["sarthe"], title="Autre", slug="autre", purpose="—",
        audience=Audience.STRUCTURES, status=Status.OPEN,
    )  # fmt: skip
    assert (
        client.get(reverse("questionnaires:answer_link", args=["autre", token])).status_code == 404
    )
    # Structures answer by their link only.
    assert client.get(reverse("questionnaires:answer", args=[pharmacy.slug])).status_code == 404
    other.status = Status.DRAFT
    other.save()
    assert client.get(reverse("questionnaires:answer", args=["autre"])).status_code == 404
    pharmacy.status = Status.CLOSED
    pharmacy.save()
    url = reverse("questionnaires:answer_link", args=[pharmacy.slug, token])
    assert "n’accepte plus de réponses" in client.get(url).content.decode()
    client.post(url, {fields(pharmacy)["has_fax"]: "Oui"})
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_the_public_form_is_limited_per_address_size_limited_and_has_a_honeypot(
    client, pharmacy, officines, settings
):
    settings.EVENTS_PUBLIC_POSTS_PER_HOUR = 2
    settings.TRUSTED_PROXIES = 1
    f = fields(pharmacy)
    url = reverse(
        "questionnaires:answer_link",
        args=[pharmacy.slug, answering.structure_token(pharmacy, officines[0].finess_et)],
    )
    robot = client.post(url, {f["has_fax"]: "Oui", f["has_mss"]: "Non", "site_web": "http://spam"})
    assert robot.status_code == 302 and not Response.objects.exists()
    too_big = client.post(url, {f["has_fax"]: "Oui", f["has_mss"]: "Non", "x": "a" * 70_000})
    assert too_big.status_code == 413 and not Response.objects.exists()
    ok = {f["has_fax"]: "Oui", f["has_mss"]: "Non"}
    proxied = {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "REMOTE_ADDR": "127.0.0.1"}
    assert client.post(url, ok, **proxied).status_code == 302
    assert client.post(url, ok, **proxied).status_code == 302
    refused = client.post(url, ok, **proxied)
    assert refused.status_code == 429
    assert "Trop d’envois depuis votre adresse" in refused.content.decode()
    # Another address behind the same proxy is not held back.
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.9", "REMOTE_ADDR": "127.0.0.1"}
    assert client.post(url, ok, **other).status_code == 302


@pytest.mark.django_db
def test_answers_are_escaped_in_the_results(client, personas, geography):
    questionnaire = Questionnaire.objects.create(
        territory=geography["sarthe"], title="Avis", slug="avis", purpose="Savoir.",
        status=Status.OPEN,
    )  # fmt: skip
    text = Question.objects.create(
        questionnaire=questionnaire, order=1, text="Votre avis", kind=QuestionKind.TEXT
    )
    client.post(
        reverse("questionnaires:answer", args=["avis"]),
        {text.field_name: "<script>alert(1)</script>"},
    )
    client.force_login(personas["dt72_editor"])
    page = client.get(reverse("questionnaires:results", args=[questionnaire.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_addresses_left_are_erased_after_the_stated_retention(pharmacy, officines):
    answering.submit(
        pharmacy, {}, who=answering.Respondent(establishment=officines[0]),
        contact_email="titulaire@example.org",
    )  # fmt: skip
    pharmacy.status, pharmacy.closed_at = Status.CLOSED, dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
    pharmacy.save()
    assert answering.purge_contacts(now=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))["addresses"] == 0
    done = answering.purge_contacts(now=dt.datetime(2026, 1, 11, tzinfo=dt.UTC))
    assert done == {"questionnaires": 1, "addresses": 1}
    response = Response.objects.get()
    assert response.contact_email == "" and response.structure == officines[0].finess_et
