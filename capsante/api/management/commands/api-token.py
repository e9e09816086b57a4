"""`capsante api-token create|revoke|list`: tokens for machine clients, as in the admin."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capsante.accounts.models import Organisation, Role
from capsante.territories.command_line import HELP as TERRITORY_HELP
from capsante.territories.command_line import territory_from
from capsante.ui import formats

from ... import tokens
from ...models import ApiToken


class Command(BaseCommand):
    help = "Crée, révoque ou liste les jetons d'accès à l'API (clients machines)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Crée un jeton ; le secret s'affiche une fois.")
        create.add_argument("--name", required=True, help="Nom du client (ex. entrepôt CPAM)")
        create.add_argument("--organisation", required=True, help="Nom exact de l'organisation")
        create.add_argument(
            "--role", required=True, choices=Role.values, help="Rôle que le jeton donne au client"
        )
        create.add_argument("--territory", required=True, help=TERRITORY_HELP)
        create.add_argument("--level", help="Niveau, si le code est ambigu (ex. departement)")
        create.add_argument("--expires", help="Date d'expiration AAAA-MM-JJ (sinon : aucune)")
        create.add_argument("--by", required=True, help="Identifiant de l'administrateur")
        revoke = sub.add_parser("revoke", help="Révoque un jeton, désigné par son préfixe.")
        revoke.add_argument("prefix", help="Début du jeton, tel que le montre la liste")
        revoke.add_argument("--by", required=True, help="Identifiant de l'administrateur")
        listing = sub.add_parser("list", help="Liste les jetons (sans leur secret).")
        listing.add_argument(
            "--all", dest="include_all", action="store_true", help="Y compris révoqués et expirés"
        )

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except (PermissionDenied, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Compte inconnu ou inactif : {username}")
        return user

    def _create(self, *, name, organisation, role, territory, level, expires, by, **_):
        org = Organisation.objects.filter(name=organisation).first()
        if org is None:
            raise CommandError(f"Organisation inconnue : {organisation}")
        scope = territory_from(territory, self.stderr, level)
        expires_at = None
        if expires:
            try:
                day = dt.date.fromisoformat(expires)
            except ValueError as exc:
                raise CommandError("--expires : date attendue au format AAAA-MM-JJ.") from exc
            expires_at = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        token, secret = tokens.create_token(
            self._user(by),
            name=name,
            organisation=org,
            role=role,
            scope=scope,
            expires_at=expires_at,
        )
        self.stdout.write(
            f"Jeton « {token.name} » ({token.prefix}) : {token.get_role_display()} sur "
            f"{token.scope}, pour {token.organisation}.\n"
            "Copiez-le maintenant, il ne sera plus affiché :\n"
        )
        self.stdout.write(secret)

    def _revoke(self, *, prefix, by, **_):
        token = ApiToken.objects.select_related("scope", "account").filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"Aucun jeton de préfixe {prefix}.")
        tokens.revoke(token, self._user(by))
        self.stdout.write(f"Jeton « {token.name} » ({token.prefix}) révoqué.")

    def _list(self, *, include_all, **_):
        rows = ApiToken.objects.select_related("organisation", "scope").order_by("created_at")
        for token in rows:
            if not include_all and not token.is_active:
                continue
            used = formats.moment_short(token.last_used_at, "jamais")
            self.stdout.write(
                f"{token.prefix}  {token.state:8}  {token.get_role_display():24}  "
                f"{token.scope}  {token.organisation}  « {token.name} »  utilisé : {used}"
            )
