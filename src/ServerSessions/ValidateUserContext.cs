using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace ServerSessions;

/// <summary>The signed-in user of a request's session, to re-validate (<see cref="ServerSessionAuthenticationEvents.OnValidateUser"/>).</summary>
public sealed class ValidateUserContext : PrincipalContext<ServerSessionAuthenticationOptions>
{
    private readonly Dictionary<string, byte[]> _values;
    private readonly JsonSerializerOptions _json;

    internal ValidateUserContext(
        HttpContext context, AuthenticationScheme scheme, ServerSessionAuthenticationOptions options, string user,
        Dictionary<string, byte[]> values, JsonSerializerOptions json)
        : base(context, scheme, options, properties: null)
    {
        User = user;
        _values = values;
        _json = json;
    }

    /// <summary>The serialized user the session carries (Passport's <c>passport.user</c>).</summary>
    public string User { get; }

    /// <summary>Whether <see cref="RejectUser"/> was called.</summary>
    public bool IsRejected { get; private set; }

    /// <summary>Rejects the user: the request is anonymous, and the session is signed out (destroyed) unless the endpoint is read-only.</summary>
    public void RejectUser()
    {
        IsRejected = true;
        Principal = null;
    }

    /// <summary>Reads a value of the stored session, such as a security stamp the app stored at sign-in.</summary>
    /// <typeparam name="T">The value's type, read from JSON.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <param name="value">The value, when found and readable as <typeparamref name="T"/>.</param>
    /// <returns>Whether the session has a value under that name that reads as <typeparamref name="T"/>.</returns>
    public bool TryGetSessionValue<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        value = default;
        if (!_values.TryGetValue(key, out var raw))
        {
            return false;
        }

        try
        {
            value = JsonSerializer.Deserialize<T>(raw, _json);
            return value is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
