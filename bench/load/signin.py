#!/usr/bin/env python3
"""Signed-in sessions for bench/load/run.sh's signedin scenario, prepared over HTTP before anything is timed.

    signin.py URL COUNT OUT      COUNT users, each signed in once; their cookies in OUT, one Cookie header a line

For user i of COUNT (bench-user-<i>): registers it with VisitTracker's /register form, then signs that registration's
session out (POST /logout), so the user has exactly one session: the one made next, as a visitor would make it. A
first visit to / (an anonymous session with one visit, like the steady scenario's cookies), then the /login form,
which regenerates the session's ID and keeps its data. Every POST carries the antiforgery token read off the form's
page (and its cookie), as a browser would send it. The app's sign-in limits must be off (SignInLimits__…=0): every
request comes from one address. Four users at a time: the app's password hashing is what takes the time.

Each line is what that browser sends from then on: the session cookie and the antiforgery cookie the login form set
("connect.sid=…; .AspNetCore.Antiforgery.…=…"). The signed-in home page carries a sign-out form, so it renders an
antiforgery token on every visit; with the cookie it reuses the browser's cookie token, as it would for a browser,
instead of making and setting a new one each time.
"""
import concurrent.futures
import html
import http.client
import re
import sys
import urllib.parse

PASSWORD = "bench-password-long-enough"
TOKEN = re.compile(r"<input\b[^>]*\bname=[\"']__RequestVerificationToken[\"'][^>]*>", re.I)
VALUE = re.compile(r"\bvalue=[\"']([^\"']*)[\"']", re.I)


class Visitor:
    """One browser: a keep-alive connection and a cookie jar (name → value), redirects not followed."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        self.cookies = {}

    def request(self, method, path, form=None, expect=200):
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            expired = re.search(r"expires=[^;]*1970", header, re.I)
            if value and not expired:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.status != expect:
            raise RuntimeError(f"{method} {path} answered {response.status}, not {expect}: {text[:300]!r}")
        return response, text

    def token(self, path):
        """The antiforgery token of the form on the page at path (its cookie lands in the jar)."""
        _, text = self.request("GET", path)
        tag = TOKEN.search(text)
        value = VALUE.search(tag.group(0)) if tag else None
        if not value:
            raise RuntimeError(f"GET {path} has no __RequestVerificationToken field")
        return html.unescape(value.group(1))

    def close(self):
        self.connection.close()


def signed_in_cookie(url, user):
    registrar = Visitor(url)
    try:
        form = {"username": user, "password": PASSWORD, "__RequestVerificationToken": registrar.token("/register")}
        registrar.request("POST", "/register", form, expect=303)
        registrar.request("POST", "/logout", {"__RequestVerificationToken": registrar.token("/account")}, expect=303)
    finally:
        registrar.close()

    visitor = Visitor(url)
    try:
        visitor.request("GET", "/")
        anonymous = visitor.cookies.get("connect.sid")
        form = {"username": user, "password": PASSWORD, "returnUrl": "/", "__RequestVerificationToken": visitor.token("/login")}
        response, _ = visitor.request("POST", "/login", form, expect=303)
        session = visitor.cookies.get("connect.sid")
        if not session or session == anonymous:
            raise RuntimeError(f"signing {user} in did not give the session a new ID")
        antiforgery = [f"{k}={v}" for k, v in visitor.cookies.items() if k.startswith(".AspNetCore.Antiforgery.")]
        if len(antiforgery) != 1:
            raise RuntimeError(f"the login form set {len(antiforgery)} antiforgery cookies, not one")
        return "; ".join([f"connect.sid={session}"] + antiforgery)
    finally:
        visitor.close()


def main(url, count, out):
    users = [f"bench-user-{i}" for i in range(1, count + 1)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        cookies = list(pool.map(lambda user: signed_in_cookie(url, user), users))
    with open(out, "w") as f:
        f.writelines(cookie + "\n" for cookie in cookies)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3])
