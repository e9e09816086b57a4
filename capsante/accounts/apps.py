from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "capsante.accounts"
    label = "accounts"
    verbose_name = "Comptes et accès"

    def ready(self) -> None:
        # lazy: models (and access, which reads them) cannot be imported before apps are ready.
        from django.db.models.signals import m2m_changed, post_delete, post_save  # lazy: idem

        from capsante.territories.models import Territory  # lazy: idem

        from . import access  # lazy: idem

        def forget(**_):
            access.forget_scopes()

        for signal in (post_save, post_delete):
            signal.connect(forget, sender=Territory, weak=False, dispatch_uid=f"scopes-{signal}")
        m2m_changed.connect(
            forget, sender=Territory.members.through, weak=False, dispatch_uid="scopes-members"
        )
