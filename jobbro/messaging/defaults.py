"""The Danish default text of every template jobbro sends; a coordinator's edit is a MessageTemplate row.

Each entry: key -> (subject, body, {variable: example value}). The examples are what the edit page renders a changed
template with, so a template that uses a variable the message does not have is refused."""

DEFAULTS = {
    "small_jobs_list": (
        "Småjob i {{ programme }} – {{ date }}",
        "Hej {{ name }}\n\n"
        "Her er listen over ledige småjob i netværket {{ programme }} pr. {{ date }}.\n\n"
        "{{ jobs }}\n\n"
        "Listen er også vedhæftet som regneark. Kontakt koordinatoren, hvis I kender en borger, der passer til et job.\n\n"
        "Venlig hilsen\n{{ programme }}",
        {"name": "Mette", "programme": "Jobnetværket", "date": "22.11.2026", "jobs": "- Lagerhjælp, Firma A/S"},
    ),
    "hours_reminder": (
        "Timer mangler for uge {{ week }}",
        "Hej {{ name }}\n\n"
        "Vi mangler timerne for {{ citizen }} i uge {{ week }} hos {{ company }}.\n"
        "{% if link %}Du kan skrive eller bekræfte timerne her: {{ link }}\n{% else %}"
        "Send venligst timerne til jobformidleren.\n{% endif %}\n"
        "Venlig hilsen\n{{ programme }}",
        {
            "name": "Mette",
            "citizen": "Ali",
            "week": "47",
            "company": "Firma A/S",
            "link": "https://jobbro.example/p/abc",
            "programme": "Jobnetværket",
        },
    ),
    "unsubscribe_footer": (
        "",
        "Du kan afmelde disse beskeder her: {{ link }}",
        {"link": "https://jobbro.example/messages/unsubscribe/abc"},
    ),
}

DEFAULTS["hours_reminder_sms"] = (
    "",
    "Hej {{ name }}. Vi mangler timerne for {{ citizen }} i uge {{ week }} hos {{ company }}."
    "{% if link %} Skriv dem her: {{ link }}{% else %} Send dem til jobformidleren.{% endif %} Hilsen {{ programme }}",
    {
        "name": "Mette",
        "citizen": "Ali",
        "week": "47",
        "company": "Firma A/S",
        "link": "https://jobbro.example/p/abc",
        "programme": "Jobnetværket",
    },
)

# A meeting's invitation, its update when moved, its cancellation, and the text message to a citizen with only a
# phone (jobbro/meetings/actions.py). {{ description }} is the invitation's own text: what, when, where.
MEETING_EXAMPLES = {
    "summary": "Kaffebesøg med Mette hos Café Havnen",
    "what": "Kaffebesøg",
    "time": "26.03.2027 kl. 10.00",
    "place": "Havnegade 1, Aarhus",
    "description": "Kaffebesøg med Mette hos Café Havnen\nTid: 26.03.2027 kl. 10.00–11.00\nSted: Havnegade 1, Aarhus",
    "cancelled": False,
}
DEFAULTS["meeting_invitation"] = (
    "Invitation: {{ summary }}, {{ time }}",
    "{{ description }}\n\nInvitationen er vedhæftet som kalenderfil (invitation.ics).",
    MEETING_EXAMPLES,
)
DEFAULTS["meeting_moved"] = (
    "Flyttet: {{ summary }}, {{ time }}",
    "Mødet er flyttet.\n\n{{ description }}\n\nDen opdaterede invitation er vedhæftet som kalenderfil (invitation.ics).",
    MEETING_EXAMPLES,
)
DEFAULTS["meeting_cancelled"] = (
    "Aflyst: {{ summary }}, {{ time }}",
    "{{ description }}",
    MEETING_EXAMPLES,
)
DEFAULTS["meeting_sms"] = (
    "",
    "{% if cancelled %}Aflyst: {% endif %}{{ what }} {{ time }}, {{ place }}. Venlig hilsen jobcentret",
    MEETING_EXAMPLES,
)
