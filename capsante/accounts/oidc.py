"""The OpenID Connect providers as configured (settings.OIDC_PROVIDERS), with what each one is
known to need, and the reading of their claims. See docs/decisions/0015.

Nothing here reaches a provider until someone signs in with it: the provider's endpoints are
read from its discovery document then, and kept for an hour.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import IdentityProvider

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_TTL_SECONDS = 3600

# What each provider asks for unless the settings say otherwise. ProConnect: an agent's name,
# email and the SIRET of their organisation (its userinfo answer is a signed JWT, which the
# library verifies). Pro Santé Connect: the professional's national identifier (RPPS) and the
# structure they work for, at the eIDAS "substantial" level it requires.
DEFAULTS: dict[str, dict] = {
    IdentityProvider.PROCONNECT: {
        "scopes": "openid email given_name usual_name siret organizational_unit",
        "acr_values": "",
        "claims": {
            "email": "email",
            "first_name": "given_name",
            "last_name": "usual_name",
            "organisation_identifier": "siret",
            "organisation_name": "organizational_unit",
            "professional_identifier": "",
        },
        "help_url": "https://www.proconnect.gouv.fr/",
    },
    IdentityProvider.PRO_SANTE_CONNECT: {
        "scopes": "openid scope_all",
        "acr_values": "eidas1",
        "claims": {
            "email": "email",
            "first_name": "given_name",
            "last_name": "family_name",
            "organisation_identifier": "",
            "organisation_name": "SubjectOrganization",
            "professional_identifier": "SubjectNameID",
        },
        "help_url": "https://esante.gouv.fr/produits-services/pro-sante-connect",
    },
}
MAPPED_FIELDS = tuple(DEFAULTS[IdentityProvider.PROCONNECT]["claims"])


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret_file: str
    scopes: str
    acr_values: str
    sign_algo: str
    claims: dict[str, str]
    help_url: str = ""

    @property
    def client_secret(self) -> str:
        """Read at each use from its file (outside git, rotated without a restart)."""
        try:
            return Path(self.client_secret_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{self.label}: cannot read the client secret file {self.client_secret_file}"
            ) from error

    @property
    def callback_url_name(self) -> str:
        return f"accounts:oidc_callback_{self.name}"

    @property
    def start_url_name(self) -> str:
        return f"accounts:oidc_start_{self.name}"

    def endpoints(self) -> dict:
        return discover(self.issuer)


def configured() -> list[Provider]:
    """The providers offered on the sign-in page, in the order they were listed."""
    return [provider(name) for name in settings.OIDC_PROVIDERS]


def provider(name: str) -> Provider:
    raw = settings.OIDC_PROVIDERS.get(name)
    if raw is None:
        raise KeyError(name)
    defaults = DEFAULTS[name]
    unknown = set(raw.get("claims") or {}) - set(MAPPED_FIELDS)
    if unknown:
        raise ImproperlyConfigured(
            f"{name}: unknown claim mapping {sorted(unknown)}, expected some of {MAPPED_FIELDS}"
        )
    return Provider(
        name=name,
        label=str(IdentityProvider(name).label),
        issuer=raw["issuer"].rstrip("/"),
        client_id=raw["client_id"],
        client_secret_file=raw["client_secret_file"],
        scopes=raw.get("scopes") or defaults["scopes"],
        acr_values=raw.get("acr_values") or defaults["acr_values"],
        sign_algo=raw.get("sign_algo") or "RS256",
        claims={**defaults["claims"], **(raw.get("claims") or {})},
        help_url=defaults["help_url"],
    )


_discovered: dict[str, tuple[float, dict]] = {}


def discover(issuer: str) -> dict:
    """The provider's discovery document, checked to be its own (same issuer)."""
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    import requests  # lazy: only a provider's discovery uses it (0.06 s at every start)

    response = requests.get(issuer + DISCOVERY_PATH, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    document = response.json()
    if document.get("issuer", "").rstrip("/") != issuer:
        raise ImproperlyConfigured(
            f"{issuer}: the discovery document names another issuer ({document.get('issuer')})"
        )
    _discovered[issuer] = (time.monotonic(), document)
    return document


def claim(claims: dict, path: str) -> str:
    """A claim by name, or by a dotted path into nested claims ("SubjectRefPro.exercices.0.x")."""
    if not path:
        return ""
    value: object = claims
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return ""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def mapped(provider: Provider, claims: dict) -> dict[str, str]:
    """What the platform keeps of the claims: names, email, declared organisation, RPPS."""
    return {key: claim(claims, path) for key, path in provider.claims.items()}
