"""Editors build and publish a questionnaire; partners read its results and export them; a
list's recipients get personal links, and reminders go to those who have not answered."""

import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from capsante.newsletters.models import MailingList, Subscriber, SubscriberStatus
from capsante.outbox.services import deliver_pending
from capsante.questionnaires import answering
from capsante.questionnaires.demo import load_demo_questionnaires
from capsante.questionnaires.models import Audience, Questionnaire, Response, Status


def text(response) -> str:
    """The page, French spaces (non-breaking, narrow) read as plain spaces."""
    return response.content.decode().replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.django_db
def test_an_editor_builds_a_questionnaire_with_a_condition_and_opens_it(
    client, personas, geography
):
    client.force_login(personas["dt72_editor"])
    response = client.post(
        reverse("questionnaires:create"),
        {
            "territory": geography["sarthe"].pk,
            "title": "Usage de la MSSanté",
            "slug": "usage-mssante",
            "purpose": "Connaître l’usage de la MSSanté.",
            "retention_months": "6",
            "audience": Audience.PUBLIC,
        },
    )
    questionnaire = Questionnaire.objects.get(slug="usage-mssante")
    assert response.url == reverse("questionnaires:build", args=[questionnaire.pk])
    add = reverse("questionnaires:question_add", args=[questionnaire.pk])
    client.post(add, {"order": 1, "text": "Avez-vous une MSSanté ?", "kind": "single",
                      "choices_text": "Oui\nNon\nJe ne sais pas", "required": "on",
                      "scale_min": 1, "scale_max": 5})  # fmt: skip
    first = questionnaire.questions.get()
    refused = client.post(add, {"order": 2, "text": "Usage", "kind": "single",
                                "choices_text": "Souvent\nJamais", "target": "uses_mss",
                                "scale_min": 1, "scale_max": 5})  # fmt: skip
    assert "les choix doivent être « Oui » et « Non »" in refused.content.decode()
    client.post(add, {"order": 2, "text": "Combien de messages par semaine ?", "kind": "number",
                      "shown_if": first.pk, "shown_if_value": "Oui",
                      "scale_min": 1, "scale_max": 5})  # fmt: skip
    assert questionnaire.questions.count() == 2
    page = client.get(reverse("questionnaires:build", args=[questionnaire.pk])).content.decode()
    assert "si la question 1 a pour réponse « Oui »" in page
    client.post(reverse("questionnaires:status", args=[questionnaire.pk]), {"status": "open"})
    questionnaire.refresh_from_db()
    assert questionnaire.status == Status.OPEN
    public = client.get(reverse("questionnaires:answer", args=["usage-mssante"])).content.decode()
    assert "Connaître l’usage de la MSSanté." in public and "Combien de messages" in public


@pytest.mark.django_db
def test_a_survey_identifier_feeds_one_questionnaire_only(client, personas, geography, pharmacy):
    client.force_login(personas["dt72_editor"])
    response = client.post(
        reverse("questionnaires:create"),
        {
            "territory": geography["sarthe"].pk,
            "title": "Officines, relance",
            "slug": "officines-relance",
            "purpose": "Relancer l’enquête.",
            "retention_months": "6",
            "audience": Audience.PUBLIC,
            "survey": pharmacy.survey,
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert f"déjà celui du questionnaire « {pharmacy.title} »" in text(response)
    assert not Questionnaire.objects.filter(slug="officines-relance").exists()
    # Its own questionnaire keeps it when edited.
    edited = client.post(
        reverse("questionnaires:edit", args=[pharmacy.pk]),
        {
            "territory": geography["sarthe"].pk,
            "title": pharmacy.title,
            "slug": pharmacy.slug,
            "purpose": pharmacy.purpose,
            "retention_months": pharmacy.retention_months,
            "audience": pharmacy.audience,
            "survey": pharmacy.survey,
        },
    )
    assert edited.status_code == 302, text(edited)[:1500]


@pytest.mark.django_db
def test_readers_see_results_but_do_not_edit(client, personas, pharmacy):
    client.force_login(personas["elected_reader"])
    assert client.get(reverse("questionnaires:results", args=[pharmacy.pk])).status_code == 200
    assert client.get(reverse("questionnaires:build", args=[pharmacy.pk])).status_code == 403
    client.force_login(personas["dt53_editor"])
    assert client.get(reverse("questionnaires:results", args=[pharmacy.pk])).status_code == 404


@pytest.mark.django_db
def test_results_give_counts_and_french_percentages_with_a_table_beside_each_chart(
    client, personas, geography
):
    assert len(load_demo_questionnaires()) == 2
    assert load_demo_questionnaires() == []  # idempotent
    satisfaction = Questionnaire.objects.get(slug="satisfaction-outils-regionaux-72")
    client.force_login(personas["cpam72_contributor"])
    page = text(client.get(reverse("questionnaires:results", args=[satisfaction.pk])))
    assert "64 réponses" in page
    tools = satisfaction.questions.get(order=1)
    ror = sum("ROR" in r.answers[str(tools.pk)] for r in satisfaction.responses.all())
    share = f"{100 * ror / 64:.1f}".replace(".", ",")
    assert re.search(rf"<td[^>]*>ROR</td><td[^>]*>{ror}</td><td[^>]*>{share}\s%</td>", page), share
    assert page.count('class="cap-chart"') == page.count("<caption>Réponses à la question") - 1
    # The ROR satisfaction was asked of ROR users only.
    assert f"sur {ror} répondants à qui elle était posée" in page

    export = client.get(reverse("questionnaires:export", args=[satisfaction.pk]) + "?format=csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 65 and lines[0].startswith("Répondu le;Structure;")
    xlsx = client.get(reverse("questionnaires:export", args=[satisfaction.pk]) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert (
        sheet.max_row == 65
        and sheet.cell(1, 5).value == "1. Quels outils régionaux utilisez-vous ?"
    )


@pytest.mark.django_db(transaction=True)
def test_a_list_gets_personal_links_and_reminders_go_to_those_who_have_not_answered(
    client, personas, geography, run_jobs
):
    ambassadors = MailingList.objects.create(
        name="Ambassadeurs", slug="ambassadeurs", territory=geography["sarthe"]
    )
    for email in ("a@example.org", "b@example.org"):
        Subscriber.objects.create(
            mailing_list=ambassadors, email=email, email_digest=email,
            status=SubscriberStatus.SUBSCRIBED,
        )  # fmt: skip
    Subscriber.objects.create(
        mailing_list=ambassadors, email="c@example.org", email_digest="c",
        status=SubscriberStatus.PENDING,
    )  # fmt: skip
    questionnaire = Questionnaire.objects.create(
        territory=geography["sarthe"], title="Besoins de formation", slug="formation",
        purpose="Organiser les formations.", audience=Audience.LIST, mailing_list=ambassadors,
        status=Status.OPEN,
    )  # fmt: skip
    question = questionnaire.questions.create(order=1, text="Un thème ?", kind="text")
    client.force_login(personas["dt72_editor"])
    send = reverse("questionnaires:send", args=[questionnaire.pk])
    client.post(send, {"what": "invite"})
    run_jobs()
    deliver_pending()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    link = re.search(r"https?://\S+(/questionnaires/r/formation/\S+/)", mail.outbox[0].body)[1]
    assert client.get(reverse("questionnaires:answer", args=["formation"])).status_code == 404
    client.logout()
    client.post(link, {question.field_name: "L’INS"})
    assert Response.objects.get().invitation.email == mail.outbox[0].to[0]
    mail.outbox.clear()

    client.force_login(personas["dt72_editor"])
    client.post(send, {"what": "remind"})
    run_jobs()
    deliver_pending()
    assert [m.to for m in mail.outbox] == [
        [mail_to]
        for mail_to in ["b@example.org", "a@example.org"]
        if mail_to != Response.objects.get().invitation.email
    ]
    assert mail.outbox[0].subject.startswith("Rappel")
    page = text(client.get(reverse("questionnaires:publish", args=[questionnaire.pk])))
    assert "2 invitations envoyées, 1 destinataire sans réponse" in page


@pytest.mark.django_db
def test_prefilled_links_are_listed_and_downloadable_for_the_structures_asked(
    client, personas, pharmacy, geography
):
    from capsante.establishments.models import Establishment

    Establishment.objects.create(
        finess_et="720000041", name="PHARMACIE DU CENTRE", category_code="620",
        category_group="officine", commune=geography["communes"]["72181"], departement_code="72",
    )  # fmt: skip
    Establishment.objects.create(
        finess_et="720000025", name="CH LE MANS", category_code="355", category_group="chu_ch",
        commune=geography["communes"]["72181"], departement_code="72",
    )  # fmt: skip
    client.force_login(personas["dt72_editor"])
    url = reverse("questionnaires:publish", args=[pharmacy.pk])
    page = client.get(url).content.decode()
    assert "PHARMACIE DU CENTRE" in page and "CH LE MANS" not in page
    rows = client.get(url + "?format=csv").content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and rows[1].startswith("720000041;PHARMACIE DU CENTRE;Le Mans;non;http")
    token = rows[1].rsplit("/", 2)[-2]
    assert answering.respondent(pharmacy, token).establishment.finess_et == "720000041"


@pytest.mark.django_db
def test_partners_find_the_questionnaires_of_their_territory_and_their_results(
    client, personas, pharmacy
):
    client.force_login(personas["elected_reader"])
    page = text(client.get(reverse("questionnaires:manage_list")))
    assert pharmacy.title in page and "Nouveau questionnaire" not in page
    assert reverse("questionnaires:results", args=[pharmacy.pk]) in page
    assert f'href="{reverse("questionnaires:build", args=[pharmacy.pk])}"' not in page
    client.force_login(personas["dt53_editor"])
    assert pharmacy.title not in text(client.get(reverse("questionnaires:manage_list")))
