from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import services


@login_required
def detail(request, finess: str):
    establishment = services.establishment_for_user(request.user, finess)
    followups = establishment.followups.select_related("campaign", "stage")
    contributor = services.may_read_contacts(request.user, establishment)
    contacts = establishment.contacts.select_related("campaign", "user") if contributor else None
    return render(
        request,
        "establishments/detail.html",
        {
            "title": establishment.name,
            "establishment": establishment,
            "followups": followups,
            "contacts": contacts,
            "people": establishment.people.all() if contributor else None,
            "contributor": contributor,
            "breadcrumb": [(establishment.name, None)],
        },
    )
