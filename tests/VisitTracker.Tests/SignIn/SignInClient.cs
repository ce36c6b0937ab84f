using System.Net;
using System.Text.RegularExpressions;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.SignIn;

/// <summary>
/// A browser without JavaScript, by hand: keeps every cookie the app sets (the session's <c>connect.sid</c> and the
/// antiforgery cookie), reads the antiforgery token off the last page it loaded, and posts forms with it. Redirects are
/// not followed, so tests see each <c>303</c>. <see cref="ForwardedFor"/> makes it another client address (the app
/// believes <c>X-Forwarded-For</c> from loopback).
/// </summary>
internal sealed partial class SignInClient(AppProcess app) : IDisposable
{
    private readonly HttpClient _client = app.CreateClient();
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    /// <summary>The client address the app sees, through <c>X-Forwarded-For</c>; <see langword="null"/>: 127.0.0.1.</summary>
    public string? ForwardedFor { get; set; }

    /// <summary>The antiforgery token of the last page loaded that had a form.</summary>
    public string? Token { get; private set; }

    /// <summary>The session cookie, as <c>connect.sid=…</c> (settable, to replay an old one).</summary>
    public string? SessionCookie
    {
        get => _cookies.TryGetValue("connect.sid", out var value) ? "connect.sid=" + value : null;
        set
        {
            if (value is null)
            {
                _cookies.Remove("connect.sid");
            }
            else
            {
                _cookies["connect.sid"] = value["connect.sid=".Length..];
            }
        }
    }

    /// <summary>The session ID in the session cookie.</summary>
    public string SessionId => ExpressCookie.Parse(SessionCookie ?? throw new InvalidOperationException("No session cookie yet.")).Id;

    /// <summary>GETs a page, keeping its cookies and its form token.</summary>
    public async Task<Page> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request);
    }

    /// <summary>
    /// POSTs a form with the token of the last page (unless <paramref name="withToken"/> is false), to this client's app
    /// or to another one on the same site (<paramref name="at"/>: a browser's cookies ignore the port).
    /// </summary>
    public async Task<Page> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, bool withToken = true, AppProcess? at = null)
    {
        var form = fields.ToList();
        if (withToken)
        {
            form.Add(new("__RequestVerificationToken", Token ?? throw new InvalidOperationException("No page with a form was loaded.")));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri((at ?? app).BaseAddress, path)) { Content = new FormUrlEncodedContent(form) };
        return await SendAsync(request);
    }

    /// <summary>Loads <c>/register</c> and registers.</summary>
    public async Task<Page> RegisterAsync(string name, string password)
    {
        (await GetAsync("/register")).AssertStatus(HttpStatusCode.OK);
        return await PostAsync("/register", [new("username", name), new("password", password)]);
    }

    /// <summary>Loads <c>/login</c> (with the return URL) and signs in.</summary>
    public async Task<Page> LoginAsync(string name, string password, string? returnUrl = null)
    {
        (await GetAsync(returnUrl is null ? "/login" : "/login?returnUrl=" + Uri.EscapeDataString(returnUrl))).AssertStatus(HttpStatusCode.OK);
        return await PostAsync("/login", [new("username", name), new("password", password), new("returnUrl", returnUrl ?? "")]);
    }

    /// <summary>Loads the home page (which counts a visit) and returns it.</summary>
    public async Task<Page> HomeAsync()
    {
        var page = await GetAsync("/");
        page.AssertStatus(HttpStatusCode.OK);
        return page;
    }

    public void Dispose() => _client.Dispose();

    private async Task<Page> SendAsync(HttpRequestMessage request)
    {
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(cookie => $"{cookie.Key}={cookie.Value}")));
        }

        // As a browser asks for a page: a challenge then redirects to /login rather than answering 401.
        request.Headers.Add("Accept", "text/html,application/xhtml+xml");
        if (ForwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", ForwardedFor);
        }

        using var response = await _client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                var pair = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
                var (name, value) = (pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                if (value.Length == 0 || setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }
        }

        var page = new Page(response.StatusCode, response.Headers.Location?.OriginalString, await response.Content.ReadAsStringAsync(), response.Headers, response.Content.Headers);
        if (TokenField().Match(page.Html) is { Success: true } token)
        {
            Token = WebUtility.HtmlDecode(token.Groups[1].Value);
        }

        return page;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
