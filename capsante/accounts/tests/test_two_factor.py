"""The optional second factor of admin accounts: turned on from the account page with a QR
code, then asked for at each sign-in (platform form and admin), with real TOTP codes computed
from the device's secret as an authenticator app would; wrong codes count for django-axes."""

import datetime as dt
import time

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from capsante.accounts.personas import DEMO_PASSWORD

LOGIN = "/comptes/connexion/"
CODE = "/comptes/connexion/code/"
SETUP = "/comptes/mon-compte/double-authentification/"


def code_of(device: TOTPDevice, offset_steps: int = 0) -> str:
    """What the authenticator app shows now (or `offset_steps` periods away).

    Like a person who sees the app's countdown almost out, it waits for the next code when
    the current one has under 5 seconds left. Otherwise the code could be checked in the next
    period: django-otp would accept it but learn a drift of -1, and a code a period ahead
    would then be refused (seen once on a loaded CI run)."""
    left = device.step - (time.time() - device.t0) % device.step
    if left < 5:
        time.sleep(left + 0.1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def password_step(client, username="ars.admin", url=LOGIN, ip="192.0.2.20"):
    return client.post(url, {"username": username, "password": DEMO_PASSWORD}, REMOTE_ADDR=ip)


@pytest.fixture
def admin_with_totp(client, personas, settings):
    """The regional admin turns the second factor on from her account page."""
    admin = personas["ars_admin"]
    client.force_login(admin)
    page = client.get("/comptes/mon-compte/").content.decode()
    assert "Activer la double authentification" in page
    setup = client.get(SETUP)
    html = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in html and "QR code" in html
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    # The key shown for typing is the device's own, in the app's base32.
    assert "otpauth://totp/" in device.config_url and "Cap%20e-sant%C3%A9" in device.config_url
    # django-otp's wait after a wrong code is a second: a loaded machine (or `code_of` waiting
    # for a fresh code) can take longer than that between two posts, and the "too soon" post
    # then came in time (a CI run on PostgreSQL). The wait is made a minute here, and passed
    # below by moving the failure back in time.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    wrong = client.post(SETUP, {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert "n’est pas le bon" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    # After a wrong code, django-otp makes the next try wait a second (then 2, 4…).
    too_soon = client.post(SETUP, {"code": code_of(device)})
    assert "attendez quelques secondes" in too_soon.content.decode()
    waited = timezone.now() - dt.timedelta(seconds=61)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=waited)
    del settings.OTP_TOTP_THROTTLE_FACTOR
    response = client.post(SETUP, {"code": code_of(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "Activée" in client.get("/comptes/mon-compte/").content.decode()
    client.logout()
    return admin, device


@pytest.mark.django_db
def test_sign_in_then_asks_for_the_code_and_a_real_code_lets_in(client, admin_with_totp):
    admin, device = admin_with_totp
    response = password_step(client)
    assert (response.status_code, response["Location"]) == (302, CODE)
    assert "_auth_user_id" not in client.session  # not signed in on the password alone
    assert "Code à six chiffres" in client.get(CODE).content.decode()
    response = client.post(CODE, {"code": code_of(device, offset_steps=1)})  # a period ahead
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert client.session["otp_device_id"] == device.persistent_id


@pytest.mark.django_db
def test_a_code_is_used_once(client, admin_with_totp):
    _, device = admin_with_totp
    code = code_of(device, offset_steps=1)  # the current one confirmed the set-up
    password_step(client)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.logout()
    password_step(client)
    response = client.post(CODE, {"code": code})
    assert response.status_code == 200 and "n’est pas le bon" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_sign_in_asks_for_the_code_too(client, admin_with_totp):
    _, device = admin_with_totp
    response = password_step(client, url="/admin/login/?next=/admin/")
    assert response["Location"] == CODE
    response = client.post(CODE, {"code": code_of(device, offset_steps=1)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_five_wrong_codes_block_the_account_like_five_wrong_passwords(client, admin_with_totp):
    _, device = admin_with_totp
    password_step(client)
    wrong = "000000" if code_of(device) != "000000" else "111111"
    for _ in range(4):
        assert client.post(CODE, {"code": wrong}, REMOTE_ADDR="192.0.2.20").status_code == 200
    assert client.post(CODE, {"code": wrong}, REMOTE_ADDR="192.0.2.20").status_code == 429
    # The right password and then the right code are refused while the block lasts.
    response = password_step(client)
    assert response.status_code == 429 and "Connexion bloquée" in response.content.decode()


@pytest.mark.django_db
def test_accounts_without_the_second_factor_sign_in_as_before(client, personas):
    response = password_step(client, username="dt72.editeur")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(personas["dt72_editor"].pk)


@pytest.mark.django_db
def test_the_code_step_needs_the_password_step_first(client, personas):
    response = client.post(CODE, {"code": "123456"})
    assert (response.status_code, response["Location"]) == (302, LOGIN)


@pytest.mark.django_db
def test_turning_it_off_takes_a_current_code(client, admin_with_totp):
    admin, device = admin_with_totp
    client.force_login(admin)
    client.post("/comptes/mon-compte/double-authentification/desactiver/", {"code": "abc"})
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    client.post(
        "/comptes/mon-compte/double-authentification/desactiver/",
        {"code": code_of(device, offset_steps=1)},
    )
    assert not TOTPDevice.objects.filter(user=admin).exists()
    client.logout()
    assert password_step(client)["Location"] == "/"


@pytest.mark.django_db
def test_only_admins_are_offered_the_second_factor(client, personas):
    client.force_login(personas["dt72_editor"])
    assert "double authentification" not in client.get("/comptes/mon-compte/").content.decode()
    assert client.get(SETUP)["Location"] == "/comptes/mon-compte/"
