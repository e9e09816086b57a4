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


class Clock:
    """The limiter's clock, which a test moves (only `ratelimit.time`, not the process's)."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Held 20 s into a minute unless a test moves it: a test's requests, 0.2 s apart on a loaded
    machine, would otherwise fall at times the test does not choose (seen in CI: four sign-ins
    from 18:57:59.996 to 18:58:00.653)."""
    import time

    from capsante.operations import ratelimit

    held = Clock((int(time.time()) // 60) * 60 + 20.0)
    monkeypatch.setattr(ratelimit, "time", held)
    return held


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
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
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


def api(client, address=OUTSIDE):
    return client.get("/api/v1/territories", REMOTE_ADDR=address).status_code


@pytest.mark.django_db
@override_settings(RATE_LIMIT_API="10/m")
def test_an_address_cannot_send_twice_the_limit_across_the_turn_of_a_minute(client, clock):
    clock.now = (clock.now // 60) * 60 + 58
    assert [api(client) for _ in range(10)] == [200] * 10
    clock.now += 4  # two seconds into the next minute
    assert [api(client) for _ in range(10)] == [429] * 10
    # Another address is not concerned, and a minute without a request frees this one.
    assert api(client, "198.51.100.20") == 200
    clock.now += 120
    assert api(client) == 200


@pytest.mark.django_db
@override_settings(RATE_LIMIT_API="3/m")
def test_retry_after_is_when_the_next_request_goes_through(client, clock):
    """Two addresses with the same history: one asks again a second before Retry-After and is
    refused, the other waits Retry-After and goes through."""
    first, second = OUTSIDE, "198.51.100.20"
    for address in (first, second):
        assert [api(client, address) for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/territories", REMOTE_ADDR=first)
    assert refused.status_code == 429
    assert client.get("/api/v1/territories", REMOTE_ADDR=second).status_code == 429
    wait = int(refused["Retry-After"])
    assert 30 < wait <= 90  # past the turn of the minute: the sliding period, not the window
    clock.now += wait - 1
    assert api(client, first) == 429
    clock.now += 1
    assert api(client, second) == 200
