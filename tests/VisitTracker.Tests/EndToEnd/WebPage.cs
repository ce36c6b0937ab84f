using System.Net;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>A response as a test reads it: the status, the redirect target, the body and the headers.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Location">The <c>Location</c> header, as sent (relative or absolute); <see langword="null"/> when absent.</param>
/// <param name="Body">The body as text.</param>
/// <param name="Headers">Every response and content header, by name (case-insensitive).</param>
internal sealed record WebPage(HttpStatusCode Status, string? Location, string Body, IReadOnlyDictionary<string, string[]> Headers)
{
    /// <summary>Reads <paramref name="response"/> whole.</summary>
    public static async Task<WebPage> ReadAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = [.. values];
        }

        return new WebPage(response.StatusCode, response.Headers.Location?.OriginalString, await response.Content.ReadAsStringAsync(), headers);
    }

    /// <summary>The form posting to <paramref name="action"/> on this page.</summary>
    public HtmlForm Form(string action) => HtmlForm.PostingTo(Body, action);

    public override string ToString() => $"{(int)Status} {Status}{(Location is null ? "" : " → " + Location)}\n{Body}";
}
