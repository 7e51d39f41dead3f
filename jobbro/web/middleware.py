from django.conf import settings
from django.utils import translation


class DanishFirstLanguageMiddleware:
    """Danish unless the user chose English with the switch: the browser's Accept-Language is ignored.

    Staff at a Danish job centre work in Danish whatever language their browser
    happens to be set to; the choice made in the header is kept in a cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """Permissions-Policy on every page, and `Cache-Control: no-store` on everything Django answers.

    Every page, export and PDF either shows a signed-in user's work or, on the tablet questionnaire, a
    citizen's own answers, so no browser or proxy may keep a copy. Static files never get here (WhiteNoise
    answers them first) and keep their long cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
