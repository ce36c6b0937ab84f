using System.Net;
using System.Text.RegularExpressions;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// A <c>&lt;form&gt;</c> as a browser without JavaScript submits it: its method, its action, and its hidden fields (the
/// antiforgery token <c>__RequestVerificationToken</c>, a <c>returnUrl</c>, a session's <c>handle</c>).
/// </summary>
internal sealed partial record HtmlForm(string Method, string Action, IReadOnlyDictionary<string, string> Hidden)
{
    /// <summary>The antiforgery token the form carries; fails the test when it has none.</summary>
    public string Token => Hidden.TryGetValue("__RequestVerificationToken", out var token)
        ? token
        : throw new Xunit.Sdk.XunitException($"The form {Method} {Action} carries no __RequestVerificationToken.");

    /// <summary>Every form in <paramref name="html"/>, in document order.</summary>
    public static IReadOnlyList<HtmlForm> AllIn(string html) =>
        [.. FormElement().Matches(html).Select(form => new HtmlForm(
            (Attribute(form.Groups["attributes"].Value, "method") ?? "get").ToUpperInvariant(),
            Attribute(form.Groups["attributes"].Value, "action") ?? string.Empty,
            HiddenFields(form.Groups["body"].Value)))];

    /// <summary>The one form in <paramref name="html"/> posting to <paramref name="action"/>; fails the test otherwise.</summary>
    public static HtmlForm PostingTo(string html, string action)
    {
        var forms = AllIn(html).Where(f => f.Method == "POST" && PathOf(f.Action) == action).ToList();
        return forms.Count == 1
            ? forms[0]
            : throw new Xunit.Sdk.XunitException($"{forms.Count} forms post to {action}, not one, in:\n{html}");
    }

    /// <summary>The value of an attribute in a tag's attribute text, HTML-decoded; <see langword="null"/> when absent.</summary>
    public static string? Attribute(string attributes, string name)
    {
        foreach (Match attribute in AttributePattern().Matches(attributes))
        {
            if (attribute.Groups["name"].Value.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return WebUtility.HtmlDecode(attribute.Groups["value"].Value);
            }
        }

        return null;
    }

    private static Dictionary<string, string> HiddenFields(string formBody)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in InputElement().Matches(formBody))
        {
            var attributes = input.Groups["attributes"].Value;
            if (string.Equals(Attribute(attributes, "type"), "hidden", StringComparison.OrdinalIgnoreCase)
                && Attribute(attributes, "name") is { } name)
            {
                fields[name] = Attribute(attributes, "value") ?? string.Empty;
            }
        }

        return fields;
    }

    // The path of an action such as "/login?returnUrl=%2Faccount": forms are found by where they post.
    private static string PathOf(string action)
    {
        var query = action.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? action : action[..query];
    }

    [GeneratedRegex(@"<form\b(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormElement();

    [GeneratedRegex(@"<input\b(?<attributes>[^>]*)>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InputElement();

    [GeneratedRegex(@"(?<name>[\w:-]+)\s*=\s*(?:""(?<value>[^""]*)""|'(?<value>[^']*)'|(?<value>[^\s""'>]+))", RegexOptions.Singleline)]
    private static partial Regex AttributePattern();
}
