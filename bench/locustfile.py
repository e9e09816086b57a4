"""The people of bench/load_test.py, for Locust: visitors of the public pages, partners signed
in, machine clients of the API and people subscribing to a newsletter, each behind the reverse
proxy with an address of their own (X-Forwarded-For, as nginx sends it).

Each simulated person reads a page for 3 to 10 seconds before the next one, as people read a
dashboard; a person subscribes once, not at every page. A request counts as failed when its
status is not the expected one or its page lacks what it must show.
"""

import itertools
import os
import random
import re

from locust import HttpUser, between, task

DEPARTEMENTS = ("72", "53")
DASHBOARD = "/indicateurs/territoire/departement/{code}/"
SEARCHES = ("Le Mans", "72000", "Laval", "Le Mnas", "Château-Gontier", "La Flèche", "53100")
PASSWORD = os.environ.get("LOAD_TEST_PASSWORD", "demo-cap-esante")
PARTNERS = ("ars.admin", "dt72.editeur", "cpam72.contributeur")
_addresses = itertools.count(1)


def _address() -> str:
    """An address of the documentation range 10/8, one per simulated person."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


class Person(HttpUser):
    abstract = True
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-For"] = _address()
        self.client.headers["Accept-Language"] = "fr"

    def page(self, path: str, name: str, must_show: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif must_show not in response.text:
                response.failure(f"« {must_show} » manque")
            else:
                response.success()

    def dashboard(self, who: str = "visiteur") -> None:
        code = random.choice(DEPARTEMENTS)
        self.page(
            DASHBOARD.format(code=code),
            f"tableau de bord département ({who})",
            "Sarthe" if code == "72" else "Mayenne",
        )


class Visitor(Person):
    """A citizen or an elected official: the public pages."""

    weight = 6

    @task(4)
    def departement_dashboard(self) -> None:
        self.dashboard()

    @task(2)
    def home(self) -> None:
        self.page("/", "accueil", "Cap e-santé")

    @task(2)
    def territory(self) -> None:
        code = random.choice(DEPARTEMENTS)
        self.page(f"/territoires/departement/{code}/", "page territoire", "</main>")

    @task(2)
    def directory(self) -> None:
        self.page(f"/ressources/?q={random.choice(SEARCHES)}", "annuaire : recherche", "</main>")

    @task(1)
    def calendar(self) -> None:
        self.page("/evenements/", "calendrier des événements", "</main>")

    @task(1)
    def indicator(self) -> None:
        code = random.choice(DEPARTEMENTS)
        self.page(
            f"/indicateurs/INS_QUALIFICATION/departement/{code}/", "page indicateur", "</main>"
        )


class Subscriber(Person):
    """Someone who subscribes to the ambassadors' newsletter (a public form), then reads on."""

    weight = 1
    LIST = "/lettres/ambassadeurs-mon-espace-sante/inscription/"

    def on_start(self) -> None:
        super().on_start()
        with self.client.get(
            self.LIST, name="formulaire public : abonnement", catch_response=True
        ) as form:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            if form.status_code != 200 or token is None:
                form.failure(f"HTTP {form.status_code}, pas de jeton")
                return
        address = self.client.headers["X-Forwarded-For"]
        with self.client.post(
            self.LIST,
            {
                "csrfmiddlewaretoken": token.group(1),
                "name": "Personne de test",
                "email": f"abonne-{address.replace('.', '-')}@example.org",
                "consent": "on",
                "site_web": "",
            },
            headers={"Referer": self.host + self.LIST},
            name="formulaire public : envoi",
            catch_response=True,
        ) as sent:
            if sent.status_code != 200 or "Vérifiez votre messagerie" not in sent.text:
                sent.failure(f"HTTP {sent.status_code} : l'abonnement n'est pas parti")

    @task
    def read(self) -> None:
        self.dashboard()


class Partner(Person):
    """An ARS, délégation or CPAM agent signed in: dashboards, their inbox, the call list."""

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        form = self.client.get("/comptes/connexion/", name="connexion : formulaire")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        with self.client.post(
            "/comptes/connexion/",
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": random.choice(PARTNERS),
                "password": PASSWORD,
            },
            headers={"Referer": self.host + "/comptes/connexion/"},
            name="connexion : envoi",
            catch_response=True,
        ) as response:
            if "Se déconnecter" not in response.text and "Déconnexion" not in response.text:
                response.failure(f"HTTP {response.status_code} : pas connecté")

    @task(4)
    def departement_dashboard(self) -> None:
        self.dashboard("partenaire")

    @task(2)
    def inbox(self) -> None:
        self.page("/taches/", "boîte de travail", "</main>")

    @task(1)
    def call_list(self) -> None:
        self.page("/campagnes/zero-fax-72/appels/", "liste d'appels zéro fax", "</main>")


class MachineClient(Person):
    """The regional data warehouse reading the API (public reads, no token)."""

    weight = 1

    def read(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif not response.text.startswith(("{", "[")):
                response.failure("pas du JSON")

    @task(2)
    def values(self) -> None:
        code = random.choice(DEPARTEMENTS)
        self.read(f"/api/v1/values?territory=departement:{code}&limit=100", "API : valeurs")

    @task(1)
    def territories(self) -> None:
        self.read("/api/v1/territories?level=departement", "API : territoires")

    @task(1)
    def indicators(self) -> None:
        self.read("/api/v1/indicators", "API : indicateurs")
