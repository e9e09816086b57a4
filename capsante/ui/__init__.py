"""Page building blocks shared by every app (see apps.UiConfig)."""
