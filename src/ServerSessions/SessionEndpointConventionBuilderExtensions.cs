using Microsoft.AspNetCore.Http;
using ServerSessions;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Marks minimal API endpoints that use the session.</summary>
public static class SessionEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Loads the session before the endpoint runs (so synchronous <c>HttpContext.Session</c> works) and commits it
    /// before the endpoint's result executes (so a failed save becomes a <c>503</c>, not a success page).
    /// </summary>
    /// <typeparam name="TBuilder">A minimal API endpoint or group builder.</typeparam>
    /// <param name="builder">The endpoint or group.</param>
    /// <returns>The builder.</returns>
    public static TBuilder WithSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new LoadSessionAttribute());
        builder.AddEndpointFilter(new SessionCommitFilter());
        return builder;
    }
}
