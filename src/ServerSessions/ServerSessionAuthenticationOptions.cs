using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace ServerSessions;

/// <summary>Options of the session authentication scheme (<c>AddServerSession</c>).</summary>
public sealed class ServerSessionAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Creates the options with their defaults.</summary>
    public ServerSessionAuthenticationOptions() => Events = new ServerSessionAuthenticationEvents();

    /// <summary>
    /// Where a challenge sends a browser (a request that accepts <c>text/html</c>); others get <c>401</c>. Default
    /// <c>/login</c>.
    /// </summary>
    public PathString LoginPath { get; set; } = "/login";

    /// <summary>The query parameter that carries the page to return to after signing in (a local path). Default <c>returnUrl</c>.</summary>
    public string ReturnUrlParameter { get; set; } = "returnUrl";

    /// <summary>
    /// What sign-in stores as the user (Passport's <c>serializeUser</c>): a string that names the user for good, such as
    /// their name or id. Default: the principal's <see cref="ClaimTypes.NameIdentifier"/> claim, else its name.
    /// </summary>
    public Func<ClaimsPrincipal, string?> SerializeUser { get; set; } =
        static principal => principal.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? principal.Identity?.Name;

    /// <summary>The hooks the scheme calls; <see cref="ServerSessionAuthenticationEvents.OnValidateUser"/> re-validates the user on each request.</summary>
    public new ServerSessionAuthenticationEvents Events
    {
        get => (ServerSessionAuthenticationEvents)base.Events!;
        set => base.Events = value;
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (!LoginPath.HasValue)
        {
            throw new InvalidOperationException("The session authentication scheme needs a LoginPath, such as /login, to send browsers to.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ReturnUrlParameter);
        ArgumentNullException.ThrowIfNull(SerializeUser);
    }
}
