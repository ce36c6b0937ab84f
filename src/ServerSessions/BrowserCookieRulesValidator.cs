using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>
/// Rejects cookie settings that browsers answer by dropping the cookie, so that the mistake is a startup error naming
/// the settings instead of sessions that silently never stick: <c>SameSite=None</c> without <c>Secure</c>, and the
/// <c>__Secure-</c> and <c>__Host-</c> name prefixes without their attributes (RFC 6265bis; browsers match the
/// prefixes case-insensitively).
/// </summary>
internal sealed class BrowserCookieRulesValidator : IValidateOptions<ServerSessionOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerSessionOptions options)
    {
        if (options.Cookie is not { } cookie || options.Name is null)
        {
            return ValidateOptionsResult.Skip; // reported by ServerSessionOptionsValidator
        }

        var errors = new List<string>();
        switch (cookie.SameSite, cookie.Secure)
        {
            case (CookieSameSite.None, CookieSecure.False):
                errors.Add(
                    "Session:Cookie:SameSite is None but Session:Cookie:Secure is False: browsers drop a SameSite=None cookie without " +
                    "Secure. Set Session:Cookie:Secure=True (HTTPS only), or Session:Cookie:SameSite=Auto with Secure=Auto (None " +
                    "and Secure on HTTPS, Lax on plain HTTP), or SameSite Lax or Strict.");
                break;
            case (CookieSameSite.None, CookieSecure.Auto):
                errors.Add(
                    "Session:Cookie:SameSite is None with Session:Cookie:Secure=Auto: a plain-HTTP request would get SameSite=None " +
                    "without Secure, which browsers drop. Set Session:Cookie:SameSite=Auto (None on HTTPS, Lax on plain HTTP), or " +
                    "Session:Cookie:Secure=True.");
                break;
            case (CookieSameSite.Auto, CookieSecure.False):
                errors.Add(
                    "Session:Cookie:SameSite is Auto with Session:Cookie:Secure=False: an HTTPS request would get SameSite=None " +
                    "without Secure, which browsers drop. Set Session:Cookie:Secure=Auto (or True), or SameSite Lax.");
                break;
        }

        // Auto is refused too: over plain HTTP it sends the prefixed cookie without Secure, which browsers drop silently,
        // where True sends none and logs a warning that points at forwarded headers. Over HTTPS the two are the same.
        if (options.Name.StartsWith("__Secure-", StringComparison.OrdinalIgnoreCase) && cookie.Secure != CookieSecure.True)
        {
            errors.Add(
                $"Session:Name '{options.Name}' has the __Secure- prefix, which browsers accept only with Secure, over HTTPS: set " +
                "Session:Cookie:Secure=True, or choose a name without the prefix.");
        }

        if (options.Name.StartsWith("__Host-", StringComparison.OrdinalIgnoreCase)
            && (cookie.Secure != CookieSecure.True || cookie.Path != "/" || cookie.Domain is not null))
        {
            errors.Add(
                $"Session:Name '{options.Name}' has the __Host- prefix, which browsers accept only with Secure, Path=/ and no Domain: " +
                "set Session:Cookie:Secure=True, Session:Cookie:Path=/ and leave Session:Cookie:Domain unset, or choose a name " +
                "without the prefix.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
