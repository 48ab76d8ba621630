from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "zhiku.portal"
    label = "portal"
