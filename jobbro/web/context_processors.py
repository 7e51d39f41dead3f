from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.policy import Capability, capabilities


def navigation(request):
    """The main menu: each role sees the pages its work needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    granted = capabilities(user)
    items = []
    if Capability.OWN_CASELOAD in granted:
        items.append((reverse("today"), _("Today")))
        items.append((reverse("caseload"), _("My caseload")))
        items.append((reverse("week_hours"), _("Hours")))
    if Capability.SEND_WAGE_LIST in granted:
        items.append((reverse("wage_list"), _("Hours and wages")))
    if Capability.READ_CITIZEN in granted:
        items.append((reverse("citizen_list"), _("Citizens")))
    if Capability.REFER in granted:
        items.append((reverse("referral_new"), _("Refer a citizen")))
    if Capability.SEE_COMPANIES in granted:
        items.append((reverse("company_list"), _("Companies")))
        items.append((reverse("opening_board"), _("Small jobs")))
        items.append((reverse("course_list"), _("Courses")))
    if Capability.SEE_EVENTS in granted:
        items.append((reverse("event_list"), _("Events")))
    if Capability.RANK_CITIZENS in granted:
        items.append((reverse("match_proposals"), _("Matching")))
    if Capability.READ_ALL_REPORTS in granted:
        items.append((reverse("reports"), _("Reports")))
    elif Capability.READ_REPORTS in granted:
        items.append((reverse("result_goals"), _("Result goals")))
    if Capability.READ_QUESTIONNAIRE_RESULTS in granted:
        items.append((reverse("questionnaire_list"), _("Questionnaires")))
    if Capability.EXCHANGE_CASE_DATA in granted:
        items.append((reverse("exchange_case_system"), _("Case system")))
    if Capability.IMPORT in granted:
        items.append((reverse("import_list"), _("Import")))
    if Capability.MANAGE_MESSAGES in granted:
        items.append((reverse("message_templates"), _("Messages")))
    if Capability.ADMINISTER in granted:
        items.append((reverse("admin:index"), _("Administration")))
    current = request.path
    return {
        "nav_items": [
            {"url": url, "label": label, "current": current.startswith(url) and url != "/"} for url, label in items
        ]
    }
