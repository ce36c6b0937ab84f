using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>Rejects option values that could only be mistakes, at startup and with the setting's name.</summary>
internal sealed class ServerSessionOptionsValidator : IValidateOptions<ServerSessionOptions>
{
    // A million new sessions a minute from one address is no limit at all; past it the limiter's period would round away.
    private const int NewSessionLimitMax = 1_000_000;

    public ValidateOptionsResult Validate(string? name, ServerSessionOptions options)
    {
        var errors = new List<string>();
        if (options.Secret is not null && options.Secrets is not null)
        {
            errors.Add("Session:Secret and Session:Secrets are both set; set one (Secrets for rotation: the first signs, every one verifies).");
        }

        if (options.Secret is { Length: 0 })
        {
            errors.Add("Session:Secret is empty.");
        }

        if (options.Secrets is { Count: 0 })
        {
            errors.Add("Session:Secrets is an empty list; give at least one secret.");
        }
        else if (options.Secrets?.Any(string.IsNullOrEmpty) == true)
        {
            errors.Add("Session:Secrets contains an empty secret.");
        }

        if (string.IsNullOrEmpty(options.Name) || options.Name.Any(c => c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".Contains(c)))
        {
            errors.Add($"Session:Name '{options.Name}' is not a valid cookie name (a token: no spaces, separators or control characters).");
        }

        if (options.Cookie is null)
        {
            errors.Add("Session:Cookie is null.");
        }
        else
        {
            if (string.IsNullOrEmpty(options.Cookie.Path) || options.Cookie.Path[0] != '/' || options.Cookie.Path.Any(c => c < ' ' || c == ';'))
            {
                errors.Add($"Session:Cookie:Path '{options.Cookie.Path}' must start with '/' and contain no ';' or control characters.");
            }

            if (options.Cookie.Domain is { } domain && (domain.Length == 0 || domain.Any(c => c <= ' ' || c == ';')))
            {
                errors.Add($"Session:Cookie:Domain '{domain}' is not a valid domain.");
            }

            if (options.Cookie.MaxAge is { } maxAge && maxAge <= TimeSpan.Zero)
            {
                errors.Add("Session:Cookie:MaxAge must be positive; leave it unset for a browser-session cookie.");
            }

            if (!Enum.IsDefined(options.Cookie.Secure) || !Enum.IsDefined(options.Cookie.SameSite) || !Enum.IsDefined(options.Cookie.Priority))
            {
                errors.Add("Session:Cookie has an undefined Secure, SameSite or Priority value.");
            }
        }

        if (!Enum.IsDefined(options.Unset))
        {
            errors.Add("Session:Unset must be 'Keep' or 'Destroy'.");
        }

        if (options.IdleTimeout is { } idle && idle <= TimeSpan.Zero)
        {
            errors.Add("Session:IdleTimeout must be positive.");
        }

        if (options.AbsoluteTimeout is { } absolute && absolute <= TimeSpan.Zero)
        {
            errors.Add("Session:AbsoluteTimeout must be positive.");
        }

        if (options.MaxSessionSize < 64)
        {
            errors.Add("Session:MaxSessionSize must be at least 64 bytes.");
        }

        if (!Enum.IsDefined(options.Concurrency))
        {
            errors.Add("Session:Concurrency must be 'Serialized' or 'LastWriteWins'.");
        }

        if (options.LockTimeout <= TimeSpan.Zero)
        {
            errors.Add("Session:LockTimeout must be positive.");
        }

        if (options.MaxWaiters < 1)
        {
            errors.Add("Session:MaxWaiters must be at least 1 (requests of one session that may wait for it at once; default 1000).");
        }

        if (options.MaxHoldTime <= TimeSpan.Zero || options.MaxHoldTime > TimeSpan.FromDays(400))
        {
            errors.Add("Session:MaxHoldTime must be positive and at most 400 days (how long a request may hold its session; default 00:02:00).");
        }
        else if (options.MaxHoldTime < options.LockTimeout)
        {
            errors.Add(
                $"Session:MaxHoldTime ({options.MaxHoldTime}) must be at least Session:LockTimeout ({options.LockTimeout}): a hold counts " +
                "from the request's turn and includes its wait for the store's lease, which may last LockTimeout. Raise MaxHoldTime or lower LockTimeout.");
        }

        if (options.StoreTimeout <= TimeSpan.Zero)
        {
            errors.Add("Session:StoreTimeout must be positive.");
        }

        if (options.RetryAfterSeconds < 0)
        {
            errors.Add("Session:RetryAfterSeconds must not be negative.");
        }

        if (options.NewSessionLimit is not { } limit)
        {
            errors.Add("Session:NewSessionLimit is null; set PermitsPerMinute to 0 to turn the limit off.");
        }
        else
        {
            if (limit.PermitsPerMinute is < 0 or > NewSessionLimitMax)
            {
                errors.Add($"Session:NewSessionLimit:PermitsPerMinute must be between 0 (no limit) and {NewSessionLimitMax}.");
            }

            if (limit.Burst is < 1 or > NewSessionLimitMax)
            {
                errors.Add($"Session:NewSessionLimit:Burst must be between 1 and {NewSessionLimitMax} (the new sessions an address may start at once).");
            }
        }

        if (options.JsonSerializerOptions is null)
        {
            errors.Add("Session:JsonSerializerOptions is null.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
