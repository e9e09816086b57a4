from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import services


@login_required
def detail(request, finess: str):
    structure = services.structure_for_user(request.user, finess)
    followups = structure.followups.select_related("campaign", "stage")
    contacts = (
        structure.contacts.select_related("campaign", "user")
        if services.may_read_contacts(request.user, structure)
        else None
    )
    return render(
        request,
        "structures/detail.html",
        {
            "title": structure.name,
            "structure": structure,
            "followups": followups,
            "contacts": contacts,
            "breadcrumb": [(structure.name, None)],
        },
    )
