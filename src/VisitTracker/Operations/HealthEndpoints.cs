using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace VisitTracker.Operations;

/// <summary>
/// <c>/healthz</c> (liveness: the process answers; it calls no store) and <c>/readyz</c> (readiness: the session store
/// answers within <c>Session:StoreTimeout</c>; 503 while it does not), on the app's own port. Ahead of the session
/// middleware, so neither ever loads or creates a session, sets a cookie or meets the sign-in limits or antiforgery.
/// The body is the status word only (<c>Healthy</c>, <c>Unhealthy</c>); the reason goes to the log.
/// </summary>
internal static class HealthEndpoints
{
    public static IServiceCollection AddVisitTrackerHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddServerSessionsStore();
        return services;
    }

    public static WebApplication UseHealthEndpoints(this WebApplication app)
    {
        app.UseHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false });
        app.UseHealthChecks("/readyz");
        return app;
    }
}
