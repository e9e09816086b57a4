"""The REST API under /api/v1: what the pages show, for machines (docs/decisions/0010)."""

from .http import CapSanteAPI, Renderer, docs, install_error_handlers
from .routes import campaigns, indicators, roadmaps, territories

DESCRIPTION = """
API de Cap e-santé : territoires, feuilles de route, objectifs et actions, indicateurs, valeurs
avec leur provenance, cibles et statuts, campagnes (effectifs agrégés par étape).

**Lecture** : sans jeton, ce qui est public (feuilles de route publiées, chiffres agrégés) ;
avec un jeton ou une session, aussi ce que le périmètre du partenaire permet.
**Écriture** : selon le rôle et le territoire du jeton (`Authorization: Bearer cs_…`).
Les jetons sont créés par un administrateur (`capsante api-token create` ou l'administration).

Listes : pagination par curseur (`next_cursor`), filtres ; réponses avec `ETag`
(`If-None-Match` → 304). Erreurs : `detail`, en français, qui nomme le champ en cause.
"""

api = CapSanteAPI(
    title="Cap e-santé",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=docs(),
    docs_url="/docs",
    renderer=Renderer(),
)
install_error_handlers(api)
for module in (territories, roadmaps, indicators, campaigns):
    api.add_router("", module.router)
