"""A newsletter: double opt-in, 2,000 recipients in batches from background jobs, a failing
address reported without stopping the others, an unsubscribed person never mailed again."""

import re

import pytest
from django.core import mail

from capsante.jobs.models import Job
from capsante.newsletters import services
from capsante.newsletters.models import Issue, IssueStatus, MailingList, Subscriber
from capsante.outbox.models import OutgoingMail
from capsante.outbox.services import deliver_pending

LINK = re.compile(r"https?://testserver(/lettres/(?:confirmer|desinscription)/\S+/)")


@pytest.fixture
def ambassadors(geography):
    return MailingList.objects.create(
        name="Ambassadrices et ambassadeurs de Mon espace santé en Pays de la Loire",
        slug="ambassadeurs-mes",
        territory=geography["region"],
    )


def _links(message) -> list[str]:
    return LINK.findall(message.body)


@pytest.mark.django_db
def test_someone_subscribes_confirms_and_unsubscribes_for_ever(client, ambassadors):
    url = f"/lettres/{ambassadors.slug}/inscription/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "amb@example.org", "name": "Ana", "consent": "on"})
    assert response.status_code == 302
    deliver_pending()
    (confirmation,) = mail.outbox
    (confirm,) = _links(confirmation)
    assert client.get(confirm).status_code == 200
    assert Subscriber.objects.get().status == "pending"
    client.post(confirm)
    assert Subscriber.objects.get().status == "subscribed"

    issue = Issue.objects.create(mailing_list=ambassadors, subject="N° 1", body="Bonjour.")
    services.send_batch(issue, 0, "http://testserver/")
    deliver_pending()
    letter = mail.outbox[-1]
    (unsubscribe,) = _links(letter)
    assert "N° 1" == letter.subject and "/lettres/ambassadeurs-mes/archives/" in letter.body
    client.post(unsubscribe)
    subscriber = Subscriber.objects.get()
    assert (subscriber.status, subscriber.email, subscriber.name) == ("unsubscribed", "", "")
    # An editor importing the address again cannot bring it back.
    assert services.add_by_editor(ambassadors, "Ana <amb@example.org>") == (0, 1, [])
    second = Issue.objects.create(mailing_list=ambassadors, subject="N° 2", body="Re.")
    services.send_batch(second, 0, "http://testserver/")
    deliver_pending()
    assert [m.subject for m in mail.outbox].count("N° 2") == 0


@pytest.mark.django_db
def test_an_issue_to_2000_goes_out_in_batches_and_a_failing_address_stops_nothing(
    ambassadors, run_jobs, django_capture_on_commit_callbacks, monkeypatch, personas, client
):
    lines = "\n".join(f"Personne {n} <p{n}@example.org>" for n in range(2000))
    assert services.add_by_editor(ambassadors, lines) == (2000, 0, [])
    issue = Issue.objects.create(mailing_list=ambassadors, subject="Lettre de juin", body="…")
    # The mail server refuses one address.
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refusing(self, messages):
        if any("p1234@example.org" in m.to for m in messages):
            raise ConnectionRefusedError("boîte inexistante")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refusing)
    client.force_login(personas["ars_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/lettres/numeros/{issue.pk}/envoyer/")
    assert response.status_code == 302
    # Each batch enqueues the next once its transaction commits: here, at the end of each run.
    for _ in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            run_jobs()
        if not Job.objects.filter(kind="newsletter", status="queued").exists():
            break
    batches = Job.objects.filter(kind="newsletter").order_by("pk")
    # 10 batches of 200, and the one that finds no more.
    assert [b.status for b in batches] == ["succeeded"] * 11, [b.message for b in batches]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SENT
    deliver_pending()
    assert len([m for m in mail.outbox if m.subject == "Lettre de juin"]) == 1999
    report = services.report(issue)
    assert (report["total"], report["sent"], len(report["failures"])) == (2000, 1999, 1)
    assert report["failures"][0][0] == "p1234@example.org"
    page = client.get(f"/lettres/numeros/{issue.pk}/").content.decode()
    assert "p1234@example.org" in page and "boîte inexistante" in page
    # Sending twice sends nothing more.
    assert services.send(issue) is None
    assert OutgoingMail.objects.filter(kind="newsletter").count() == 2000


@pytest.mark.django_db
def test_unsubscribing_withdraws_the_mails_not_sent_yet(ambassadors):
    services.add_by_editor(ambassadors, "a@example.org\nb@example.org")
    issue = Issue.objects.create(mailing_list=ambassadors, subject="S", body="…")
    services.send_batch(issue, 0, "http://testserver/")
    services.unsubscribe(Subscriber.objects.get(email="a@example.org"))
    deliver_pending()
    assert [m.to for m in mail.outbox] == [["b@example.org"]]


@pytest.mark.django_db
def test_the_public_form_refuses_a_script_a_robot_and_a_burst(client, ambassadors, settings):
    settings.EVENTS_PUBLIC_POSTS_PER_HOUR = 2
    url = f"/lettres/{ambassadors.slug}/inscription/"
    data = {"email": "x@example.org", "name": "<script>alert(1)</script>", "consent": "on"}
    client.post(url, {**data, "site_web": "spam"})
    assert not Subscriber.objects.exists()
    client.post(url, data)
    assert Subscriber.objects.get().name == "<script>alert(1)</script>"
    assert client.post(url, data).status_code == 429


@pytest.mark.django_db
def test_the_demo_list_and_its_archive(client, geography):
    from capsante.newsletters.demo import load_demo_lists

    mailing_list = load_demo_lists()
    assert load_demo_lists() == mailing_list and mailing_list.issues.count() == 1
    page = client.get(f"/lettres/{mailing_list.slug}/archives/").content.decode()
    assert "les rendez-vous du trimestre" in page
    assert "Ambassadrices et ambassadeurs" in client.get("/lettres/").content.decode()
