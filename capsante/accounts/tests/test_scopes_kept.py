"""A request lists each scope's territories once (access.scopes_kept): the same answers as the
query it replaces, and a territory created during the request is in its scope at once."""

import pytest
from django.test import RequestFactory

from capsante.accounts import access
from capsante.accounts.middleware import ScopesKeptMiddleware
from capsante.territories.models import GroupingKind, Level, Territory
from capsante.territories.services import covers, within


def in_scope_ids(user) -> set[int]:
    return set(
        Territory.objects.filter(access.within_scope_q(user, "pk")).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_request_keeps_the_scope_and_forgets_it_when_a_territory_changes(geography, personas):
    editor = personas["dt72_editor"]
    expected = set(within(geography["sarthe"]).values_list("pk", flat=True))
    assert in_scope_ids(editor) == expected  # outside a request: the query itself
    seen = {}

    def view(request):
        seen["before"] = in_scope_ids(editor)
        grouping = Territory.objects.create(
            level=Level.GROUPING,
            code="CLS-TEST",
            name="CLS de test",
            grouping_kind=GroupingKind.CLS,
        )
        grouping.members.set([geography["communes"]["72181"]])
        seen["grouping"] = grouping.pk
        seen["after"] = in_scope_ids(editor)
        return None

    ScopesKeptMiddleware(view)(RequestFactory().get("/"))
    assert seen["before"] == expected
    assert seen["after"] == expected | {seen["grouping"]}
    # Mayenne's editor does not see it, nor anything of Sarthe.
    assert not in_scope_ids(personas["dt53_editor"]) & seen["after"]


@pytest.mark.django_db
def test_a_request_asking_about_many_territories_reads_its_scope_once(
    geography, personas, django_assert_num_queries
):
    """A page asking `in_scope` about each row of a table (an indicator page's EPCIs) gives the
    answers `covers` gives, and after a few answers reads them from the scope's list; a new
    grouping inside the scope, made during the request, is in it at once."""
    editor = personas["dt72_editor"]
    sarthe = geography["sarthe"]
    everything = list(Territory.objects.all())
    expected = {t.pk: covers(sarthe, t) for t in everything}
    seen = {}

    def view(request):
        seen["answers"] = {t.pk: access.in_scope(editor, t) for t in everything}
        with django_assert_num_queries(0):
            seen["again"] = {t.pk: access.in_scope(editor, t) for t in everything}
        grouping = Territory.objects.create(
            level=Level.GROUPING, code="CLS-72", name="CLS", grouping_kind=GroupingKind.CLS
        )
        grouping.members.set([geography["communes"]["72003"]])
        seen["grouping"] = access.in_scope(editor, grouping)
        return None

    ScopesKeptMiddleware(view)(RequestFactory().get("/"))
    assert seen["answers"] == expected == seen["again"]
    assert any(expected.values()) and not all(expected.values())
    assert seen["grouping"] is True
