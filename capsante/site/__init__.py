"""The platform as a whole (see apps.SiteConfig)."""
