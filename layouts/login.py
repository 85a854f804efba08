"""The login page and the generic error pages (small server-rendered HTML with the app's stylesheet, no
script), and the header's account links (Dash components).

Everything that comes from the request is escaped here; the pages work under the app's strict CSP.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from dash import html

from sozialmonitor.accounts import Audience
from sozialmonitor.i18n import t

MAIN_STYLE = "max-width: 30rem; margin: 1.5rem auto; padding: 0 1.2rem;"


def _document(lang: str, title: str, body: str) -> str:
    home = "/?lang=en" if lang == "en" else "/"
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} – {escape(t("app_title", lang))}</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<div class="page">
<header class="site-header">
<div class="brand"><p class="subtitle"><a href="{escape(home)}">{escape(t("app_title", lang))}</a></p></div>
</header>
<main id="main" style="{MAIN_STYLE}">
{body}
<p><a href="{escape(home)}">{escape(t("back_to_dashboard", lang))}</a></p>
</main>
</div>
</body>
</html>
"""


def login_page(lang: str, csrf_token: str, next_path: str, *, error: str | None = None, username: str = "") -> str:
    """The login form; ``error`` is shown above it as an alert."""
    action = "/login?" + urlencode({"lang": lang}) if lang == "en" else "/login"
    alert = f'<p class="notice notice-error" role="alert">{escape(error)}</p>\n' if error else ""
    body = f"""<h1>{escape(t("login_title", lang))}</h1>
<p class="hint">{escape(t("login_intro", lang))}</p>
{alert}<form method="post" action="{escape(action)}" class="login-form">
<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<input type="hidden" name="lang" value="{escape(lang)}">
<div class="field">
<label class="field-label" for="username">{escape(t("username", lang))}</label>
<input class="text-input" id="username" name="username" autocomplete="username" autocapitalize="none"
 spellcheck="false" required autofocus value="{escape(username)}">
</div>
<div class="field">
<label class="field-label" for="password">{escape(t("password", lang))}</label>
<input class="text-input" id="password" name="password" type="password" autocomplete="current-password" required>
</div>
<button class="button" type="submit">{escape(t("login", lang))}</button>
</form>"""
    return _document(lang, t("login_title", lang), body)


def error_page(status: int, lang: str, message: str) -> str:
    """A generic error page: status and a short message, never a traceback."""
    title = t("error_title", lang, status=status)
    body = f'<h1>{escape(title)}</h1>\n<p class="notice notice-error">{escape(message)}</p>'
    return _document(lang, title, body)


def account_links(audience: Audience, lang: str, csrf_token: str, next_path: str = "/") -> html.Div:
    """Header links: "Anmelden" for the public; "<user> (role) · Abmelden" when logged in. Logging out is a
    POST form carrying the session's CSRF token (pass ``""`` for the public: no token, no session cookie)."""
    query = {"next": next_path, **({"lang": "en"} if lang == "en" else {})}
    if audience.user is None:
        return html.Div(className="account", children=[
            html.A(t("login", lang), href="/login?" + urlencode(query), className="button-link")])
    role = t(f"role_{audience.role}", lang)
    return html.Div(className="account", children=[
        html.Span(t("logged_in_as", lang, user=audience.user, role=role), className="account-user"),
        html.Form(action="/logout?" + urlencode(query), method="post", className="logout-form", children=[
            html.Button(t("logout", lang), type="submit", name="csrf_token", value=csrf_token,
                        className="button-link")]),
    ])
