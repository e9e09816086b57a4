"""Rate limits by client address: the sign-in form and the API answer 429 in French past their
limit, per address (the proxy's X-Forwarded-For when declared), never to loopback."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from capsante.accounts.client_ip import client_ip
from capsante.operations.ratelimit import parse_rate

OUTSIDE = "203.0.113.7"  # documentation range (RFC 5737)


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def within_one_window(monkeypatch):
    """Counters run by fixed windows (one a minute): a test's requests, 0.2 s apart on a loaded
    machine, could straddle the turn of a minute and be counted in two windows (seen in CI:
    four sign-ins from 18:57:59.996 to 18:58:00.653, none refused). The clock is held 20 s into
    a window; Retry-After is then 41 s."""
    import time
    from types import SimpleNamespace

    from capsante.operations import ratelimit

    held = (int(time.time()) // 60) * 60 + 20.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: held))


def sign_in(client, address, username="inconnu"):
    return client.post(
        "/comptes/connexion/",
        {"username": username, "password": "pas-le-bon-mot-de-passe"},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN="3/m")
def test_an_address_trying_many_usernames_is_stopped(client):
    answers = [sign_in(client, OUTSIDE, f"compte{n}").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = sign_in(client, OUTSIDE, "encore")
    page = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 61
    assert "Trop de requêtes depuis votre adresse : 3 par minute au plus." in page
    assert 'lang="fr"' in page and "Content-Security-Policy" in refused
    # Another address, and reading the page, are not concerned.
    assert sign_in(client, "198.51.100.20").status_code == 200
    assert client.get("/comptes/connexion/", REMOTE_ADDR=OUTSIDE).status_code == 200


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN="2/m")
def test_loopback_is_never_limited(client):
    # (different usernames: django-axes locks one username after 5 failures, loopback or not)
    assert {sign_in(client, "127.0.0.1", f"compte{n}").status_code for n in range(5)} == {200}


@pytest.mark.django_db
@override_settings(RATE_LIMIT_API="2/m")
def test_the_api_answers_429_in_json(client):
    answers = [client.get("/api/v1/territories", REMOTE_ADDR=OUTSIDE) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {
        "detail": "Trop de requêtes depuis votre adresse : 2 par minute au plus. "
        f"Réessayez dans {answers[2]['Retry-After']} s."
    }


@pytest.mark.django_db
@override_settings(RATE_LIMIT_API="0", RATE_LIMIT_LOGIN="off")
def test_a_limit_can_be_turned_off(client):
    assert {
        client.get("/api/v1/territories", REMOTE_ADDR=OUTSIDE).status_code for _ in range(5)
    } == {200}


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN="2/m", TRUSTED_PROXIES=1)
def test_behind_a_declared_proxy_each_client_has_its_own_count(client):
    def through_proxy(client_address, claimed=""):
        forwarded = f"{claimed}, {client_address}" if claimed else client_address
        return client.post(
            "/comptes/connexion/",
            {"username": "x", "password": "y"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    assert [through_proxy(OUTSIDE) for _ in range(3)] == [200, 200, 429]
    assert through_proxy("198.51.100.20") == 200
    # What the client writes itself in X-Forwarded-For does not give it a new count.
    assert through_proxy(OUTSIDE, claimed="192.0.2.99") == 429


def test_the_client_address(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.7"
    settings.TRUSTED_PROXIES = 2
    assert client_ip(request) == "192.0.2.1"
    settings.TRUSTED_PROXIES = 5  # fewer hops than proxies: the leftmost
    assert client_ip(request) == "192.0.2.1"
    request.META["HTTP_X_FORWARDED_FOR"] = "pas une adresse"
    assert client_ip(request) == "10.0.0.2"


def test_rates_are_written_plainly():
    assert parse_rate("20/m") == (20, "m")
    assert parse_rate("1000/h") == (1000, "h")
    assert parse_rate("0") is None and parse_rate("off") is None
    with pytest.raises(ValueError, match="attendu : 20/m"):
        parse_rate("vingt par minute")


@pytest.mark.django_db
@override_settings(RATE_LIMIT_PUBLIC_FORMS="2/m")
def test_forms_sent_by_visitors_not_signed_in_are_limited(client, personas):
    # Any public form (the directory's error reports…): the rule is the method and the visitor.
    answers = [client.post("/accessibilite/", {"x": "1"}, REMOTE_ADDR=OUTSIDE) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert client.get("/accessibilite/", REMOTE_ADDR=OUTSIDE).status_code == 200
    # A partner signed in is not a visitor.
    client.force_login(personas["ars_admin"])
    assert client.post("/accessibilite/", REMOTE_ADDR=OUTSIDE).status_code == 200
