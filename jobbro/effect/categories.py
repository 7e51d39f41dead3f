"""What a week's DREAM benefit code means for the effect evaluation (docs/effect.md "Register data: the files
Statistics Denmark returns", "The category mapping").

Pure: no models. A *mapping* puts each DREAM benefit code (the weekly "branchekode" of the status file) into one of
the categories below; the analysis counts a week as self-sufficient when no benefit is registered that week or the
week's code is in a category of SELF_SUFFICIENT. The mappings in use are stored as versions (BenefitMapping,
BenefitCode); DEFAULT_MAPPING is the version jobbro ships.

The shipped default holds only codes a named source vouches for, and the published mapping's rule for the rest:
the row EVERY_OTHER_CODE ("*") makes every code no other row names a week on a benefit. A mapping version without it
is strict: a delivery with other codes is refused with the codes named, and an evaluator adds them, from the DREAM
documentation that comes with the data, in a new version.
"""

from django.utils.translation import gettext_lazy as _

SELF_SUFFICIENT_WEEK = "self_sufficient"

# (code, label): the order is the order of tables and charts.
CATEGORIES = (
    ("self_sufficient", _("Self-sufficient (no benefit)")),
    ("education", _("Education (SU)")),
    ("ordinary_job_with_supplement", _("Ordinary job with a supplement")),
    ("unemployment_benefit", _("Unemployment benefit")),
    ("cash_benefit", _("Cash or education benefit")),
    ("activation", _("Activation")),
    ("sickness", _("Sickness benefit")),
    ("flex_job", _("Flex job or unemployment allowance for flex job")),
    ("resource_course", _("Resource course or job clarification")),
    ("leave", _("Leave")),
    ("pension", _("Pension or early retirement")),
    ("other", _("Other benefit")),
)
CATEGORY_CODES = tuple(code for code, _label in CATEGORIES)
LABELS = dict(CATEGORIES)

# "Self-sufficient" in every figure: no benefit registered that week, or only SU / ordinary education.
SELF_SUFFICIENT = frozenset({"self_sufficient", "education"})

# The shipped default: (DREAM benefit code, category, Danish label). Two sources (SOURCE): the four codes of the
# main benefits as DREAM studies use them, and the codes a published mapping of DREAM codes to outcome groups names
# (BMC Public Health 2023, table 2): there "not a benefit recipient" and "health-related benefit". That mapping does
# not say which health-related benefit a code is, so those codes are "other benefit" here: right for every
# self-sufficiency figure (a benefit week), coarse only for the category at the start.
PUBLISHED_HEALTH_CODES = (
    "750", "753", "754", "755", "756", "757", "758",
    "760", "763", "764", "765", "766", "767", "768",
    "771", "775", "781", "785",
    "810", "813", "814", "815", "816", "817", "818",
    "893",
)  # fmt: skip
# The published mapping's last rule, "all other codes: other benefit recipient", as a row of its own: a code a
# delivery carries that no other row names is a week on a benefit (category "other"). A mapping version without this
# row refuses a delivery with unlisted codes instead, naming them.
EVERY_OTHER_CODE = "*"
DEFAULT_MAPPING = [
    ("111", "unemployment_benefit", "Arbejdsløshedsdagpenge (ledig)"),
    ("121", "self_sufficient", "Ikke ydelsesmodtager (jf. publiceret kortlægning)"),
    ("651", "education", "SU (Statens Uddannelsesstøtte)"),
    ("652", "education", "SU (Statens Uddannelsesstøtte)"),
    ("661", "education", "Uddannelse, ikke ydelsesmodtager (jf. publiceret kortlægning)"),
    ("783", "pension", "Førtidspension"),
    ("881", "self_sufficient", "Ikke ydelsesmodtager (jf. publiceret kortlægning)"),
    ("890", "sickness", "Sygedagpenge"),
    *((code, "other", "Helbredsrelateret ydelse (jf. publiceret kortlægning)") for code in PUBLISHED_HEALTH_CODES),
    (EVERY_OTHER_CODE, "other", "Enhver anden kode: en uge på ydelse (jf. publiceret kortlægning)"),
]
DEFAULT_VERSION = "DREAM-2026-12"

SOURCE = (
    "DREAM, Beskæftigelsesministeriets forløbsdatabase (Styrelsen for Arbejdsmarked og Rekruttering), weekly benefit "
    "code of the status file. The database's structure (one code a week, the benefit of highest priority that week, "
    "no row = no benefit) follows the DREAM description 'DREAM', version June 2015 (docplayer.dk/3576558). "
    "Codes 121, 652, 661, 881 and the health-related codes 750-818 and 893: 'Mapping between outcome groups and "
    "DREAM-codes', table 2 of an article in BMC Public Health 23:224 (2023), doi:10.1186/s12889-023-15106-y "
    "(121 and 881 not a benefit recipient; 651, 652 and 661 education; the health-related codes a benefit, without "
    "saying which, so 'other benefit' here). Codes 111, 783 and 890 are those of unemployment benefit, disability "
    "pension and sickness benefit as DREAM studies commonly use them, not checked against a DREAM code list. Check "
    "the mapping against the DREAM documentation that comes with your delivery, and add the codes it lacks (cash "
    "and education benefit, activation, flex job, ressourceforløb, leave and others) in a new mapping version."
)


def is_self_sufficient(category: str) -> bool:
    return category in SELF_SUFFICIENT


def codes_of(rows) -> dict:
    """{code: category} of mapping rows [(code, category, label), ...]."""
    return {code: category for code, category, _label in rows}


def mapping_errors(rows) -> list:
    """What is wrong with mapping rows [(code, category, label), ...], as Danish-first messages (empty if nothing).
    A code is 1 to 10 letters or digits, appears once, and has one of the categories."""
    from django.utils.translation import gettext

    errors = []
    seen = set()
    for code, category, label in rows:
        if code == EVERY_OTHER_CODE:
            if category in SELF_SUFFICIENT:
                errors.append(gettext("Every other code (*) must be a category on benefit, not a self-sufficient one."))
        elif not isinstance(code, str) or not code.isalnum() or not 1 <= len(code) <= 10 or not code.isascii():
            errors.append(gettext("The benefit code %(code)r must be 1 to 10 letters or digits.") % {"code": code})
        if code in seen:
            errors.append(gettext("The benefit code %(code)s appears more than once.") % {"code": code})
        seen.add(code)
        if category not in LABELS:
            errors.append(
                gettext("The benefit code %(code)s has an unknown category %(category)r.")
                % {"code": code, "category": category}
            )
        if not str(label or "").strip():
            errors.append(gettext("The benefit code %(code)s has no label.") % {"code": code})
    return errors
