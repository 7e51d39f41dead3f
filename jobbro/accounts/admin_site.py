"""The Django admin as jobbro's administration pages.

The admin shows whole records: case notes, restrictions and parallel efforts included. It is therefore open
only to users the role table lets administer and read all of those, whatever their `is_staff` flag or model
permissions say: a coordinator given staff status by mistake still reaches no admin page.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# Capabilities (accounts/policy.py) the admin needs. Named, not imported: this module is loaded with the app
# registry, before the models the role table imports.
ADMIN_NEEDS = ("administer", "read_notes", "read_restrictions")


class JobbroAdminSite(admin.AdminSite):
    def has_permission(self, request):
        from jobbro.accounts.policy import may

        return super().has_permission(request) and all(may(request.user, capability) for capability in ADMIN_NEEDS)


class JobbroAdminConfig(AdminConfig):
    default_site = "jobbro.accounts.admin_site.JobbroAdminSite"
