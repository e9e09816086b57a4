from capsante.accounts import access


def site(request):
    user = request.user
    return {
        "site_title": "Cap e-santé",
        "site_tagline": "Piloter les feuilles de route du numérique en santé",
        "user_profile": access.profile_of(user),
        "can_administer": access.can_administer(user),
    }
