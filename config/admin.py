"""The Django admin is the operator's tool: superusers only.

Researchers work in the dashboard, which shows each of them only their own studies; the admin
shows everything (every study, and the LLM endpoints that decide which hosts the server calls
with which key), so a staff flag alone does not open it.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class OperatorAdminSite(AdminSite):
    site_header = "Dyad operator admin"
    site_title = "Dyad admin"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


class OperatorAdminConfig(AdminConfig):
    default_site = "config.admin.OperatorAdminSite"
