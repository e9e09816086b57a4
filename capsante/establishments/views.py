from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import services


@login_required
def detail(request, finess: str):
    establishment = services.establishment_for_user(request.user, finess)
    followups = establishment.followups.select_related("campaign", "stage")
    contacts = (
        establishment.contacts.select_related("campaign", "user")
        if services.may_read_contacts(request.user, establishment)
        else None
    )
    return render(
        request,
        "establishments/detail.html",
        {
            "title": establishment.name,
            "establishment": establishment,
            "followups": followups,
            "contacts": contacts,
            "breadcrumb": [(establishment.name, None)],
        },
    )
