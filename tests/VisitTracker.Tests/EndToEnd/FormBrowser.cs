using System.Globalization;
using System.Net.Http.Json;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// One browser without JavaScript, for the sign-in tests: a cookie jar for the site 127.0.0.1 (every port, as a
/// browser's cookies ignore the port, so one jar serves both apps or both nodes), forms submitted with their hidden
/// fields (the antiforgery token among them), and no redirect followed: each test sees every 302 and 303.
/// </summary>
internal sealed class FormBrowser(AppProcess home) : IDisposable
{
    private readonly HttpClient _client = home.CreateClient();
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    /// <summary>The value of the cookie <paramref name="name"/>, or <see langword="null"/> when the jar has none.</summary>
    public string? Cookie(string name) => _cookies.GetValueOrDefault(name);

    /// <summary>Puts a cookie in the jar, as a replayed or copied cookie; <see langword="null"/> removes it.</summary>
    public void SetCookie(string name, string? value)
    {
        if (value is null)
        {
            _cookies.Remove(name);
        }
        else
        {
            _cookies[name] = value;
        }
    }

    /// <summary>Gets <paramref name="path"/> from <paramref name="at"/> (the browser's own app by default).</summary>
    public Task<WebPage> GetAsync(string path, AppProcess? at = null) => SendAsync(HttpMethod.Get, path, null, at);

    /// <summary>
    /// Submits <paramref name="form"/> to <paramref name="at"/>: its hidden fields, overridden and completed by
    /// <paramref name="fields"/>, as <c>application/x-www-form-urlencoded</c>.
    /// </summary>
    public Task<WebPage> SubmitAsync(HtmlForm form, IReadOnlyDictionary<string, string>? fields = null, AppProcess? at = null)
    {
        var values = new Dictionary<string, string>(form.Hidden, StringComparer.Ordinal);
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            values[name] = value;
        }

        return PostFormAsync(form.Action, values, at);
    }

    /// <summary>Posts <paramref name="fields"/> as a form to <paramref name="path"/>.</summary>
    public Task<WebPage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, AppProcess? at = null) =>
        SendAsync(HttpMethod.Post, path, new FormUrlEncodedContent(fields), at);

    /// <summary>Posts <paramref name="value"/> as JSON to <paramref name="path"/>.</summary>
    public Task<WebPage> PostJsonAsync<T>(string path, T value, AppProcess? at = null) =>
        SendAsync(HttpMethod.Post, path, JsonContent.Create(value), at);

    public void Dispose() => _client.Dispose();

    private async Task<WebPage> SendAsync(HttpMethod method, string path, HttpContent? content, AppProcess? at)
    {
        using var request = new HttpRequestMessage(method, new Uri((at ?? home).BaseAddress, path)) { Content = content };
        // As a browser asks for a page: a challenge then redirects to the login page rather than answering 401.
        request.Headers.Add("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        using var response = await _client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            var now = response.Headers.Date ?? DateTimeOffset.UtcNow;
            foreach (var setCookie in setCookies)
            {
                Keep(setCookie, now);
            }
        }

        return await WebPage.ReadAsync(response);
    }

    // A Set-Cookie header: the cookie is kept, or removed when it has expired by the server's clock (a deleting cookie
    // has Max-Age=0 or an Expires in the past), so a jar reads right under test.sh's runs with the clock moved.
    private void Keep(string setCookie, DateTimeOffset now)
    {
        var parts = setCookie.Split(';', StringSplitOptions.TrimEntries);
        var equals = parts[0].IndexOf('=', StringComparison.Ordinal);
        var (name, value) = (parts[0][..equals], parts[0][(equals + 1)..]);
        var expired = false;
        foreach (var attribute in parts.Skip(1))
        {
            if (attribute.StartsWith("max-age=", StringComparison.OrdinalIgnoreCase))
            {
                expired |= long.Parse(attribute["max-age=".Length..], CultureInfo.InvariantCulture) <= 0;
            }
            else if (attribute.StartsWith("expires=", StringComparison.OrdinalIgnoreCase))
            {
                expired |= DateTimeOffset.Parse(attribute["expires=".Length..], CultureInfo.InvariantCulture) <= now;
            }
        }

        SetCookie(name, expired ? null : value);
    }
}
