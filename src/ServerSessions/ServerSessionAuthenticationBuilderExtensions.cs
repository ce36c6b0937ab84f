using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerSessions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the session authentication scheme.</summary>
public static class ServerSessionAuthenticationBuilderExtensions
{
    /// <summary>
    /// Adds the session authentication scheme (<see cref="ServerSessionAuthenticationDefaults.AuthenticationScheme"/>):
    /// the signed-in user lives in the server-side session, where Passport keeps it, and <see cref="UserSessions"/> lists
    /// and revokes every user's sessions. Needs <c>AddServerSessions</c>, and <c>app.UseServerSessions()</c> before
    /// <c>app.UseAuthentication()</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configure">Sets the scheme's options.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddServerSession(this AuthenticationBuilder builder, Action<ServerSessionAuthenticationOptions>? configure = null) =>
        builder.AddServerSession(ServerSessionAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the session authentication scheme under another name.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="scheme">The scheme's name.</param>
    /// <param name="configure">Sets the scheme's options.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddServerSession(this AuthenticationBuilder builder, string scheme, Action<ServerSessionAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(static sp => new SessionIndexing(sp.GetRequiredService<SessionRuntime>()));
        builder.Services.TryAddSingleton(static sp => new UserSessions(sp.GetRequiredService<SessionRuntime>(), sp.GetRequiredService<SessionIndexing>()));
        return builder.AddScheme<ServerSessionAuthenticationOptions, ServerSessionAuthenticationHandler>(scheme, configure);
    }
}
