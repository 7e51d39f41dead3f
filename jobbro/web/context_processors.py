from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import access
from jobbro.accounts.models import Role


def navigation(request):
    """The main menu: each role sees the pages its work needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.role in {Role.JOB_BROKER, Role.MENTOR}:
        items.append((reverse("today"), _("Today")))
        items.append((reverse("caseload"), _("My caseload")))
        items.append((reverse("week_hours"), _("Hours")))
    if access.sees_named_citizens(user):
        items.append((reverse("citizen_list"), _("Citizens")))
    if access.may_refer(user):
        items.append((reverse("referral_new"), _("Refer a citizen")))
    if access.may_see_companies(user):
        items.append((reverse("company_list"), _("Companies")))
        items.append((reverse("opening_board"), _("Small jobs")))
        items.append((reverse("course_list"), _("Courses")))
    if user.role in {Role.COORDINATOR, Role.JOB_BROKER} or access.is_admin(user):
        items.append((reverse("match_proposals"), _("Matching")))
    if access.may_see_reports(user):
        items.append((reverse("reports"), _("Reports")))
    else:
        items.append((reverse("result_goals"), _("Result goals")))
    if user.role == Role.COORDINATOR or access.is_admin(user):
        items.append((reverse("import_list"), _("Import")))
    if access.is_admin(user):
        items.append((reverse("admin:index"), _("Administration")))
    current = request.path
    return {"nav_items": [{"url": url, "label": label, "current": current.startswith(url) and url != "/"} for url, label in items]}
