"""The optional second factor of local admin accounts: a TOTP code from an authenticator app
(django-otp's TOTP device). An admin turns it on from their account page; from then on their
sign-in, on the platform's form and the admin's, asks for the code after the password.

Accounts signed in through ProConnect or Pro Santé Connect have no password here: their
provider decides how they prove who they are.
"""

import re
from base64 import b32encode

import segno
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access

DEVICE_NAME = "Application d’authentification"
CODE = re.compile(r"^\d{6}$")


def may_use(user) -> bool:
    """Local accounts that administer something: superusers, staff, regional admins."""
    return bool(
        user.is_authenticated
        and user.has_usable_password()
        and (user.is_superuser or user.is_staff or access.can_administer(user))
    )


def confirmed_device(user) -> TOTPDevice | None:
    return next(
        (d for d in devices_for_user(user, confirmed=True) if isinstance(d, TOTPDevice)), None
    )


def device_to_confirm(user) -> TOTPDevice:
    """The device being set up: its secret stays the same until it is confirmed by a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


TOO_SOON = "Trop d’essais à la suite : attendez quelques secondes avant de saisir le code."
WRONG = "Ce code n’est pas le bon, ou il a expiré. Saisissez le code affiché maintenant."


def check(device: TOTPDevice, code: str) -> str:
    """ "" when the code is right, else why not, in French. A right code is one of the current
    period (or one either side), never used before; after a wrong one, the next try waits a
    second, then two, four… (django-otp's throttling)."""
    if not device.verify_is_allowed()[0]:
        return TOO_SOON
    code = code.replace(" ", "")
    if CODE.match(code) and device.verify_token(code):
        return ""
    return WRONG


def qr_svg(device: TOTPDevice) -> str:
    """The QR code an authenticator app scans, as inline SVG (no image file, no network)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="QR code à scanner avec votre application d’authentification"
    )


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in groups of four, for an app that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
