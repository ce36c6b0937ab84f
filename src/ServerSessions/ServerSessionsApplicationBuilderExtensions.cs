using Microsoft.Extensions.DependencyInjection;
using ServerSessions;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the ServerSessions middleware to the pipeline.</summary>
public static class ServerSessionsApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the session middleware. Place it after <c>UseForwardedHeaders</c> and <c>UseStaticFiles</c> (static files
    /// then never touch sessions) and after <c>UseRouting</c> when you call it, so endpoint metadata is visible.
    /// Resolves the store and the secret now, so configuration errors stop the app at startup.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    /// <exception cref="InvalidOperationException"><c>AddServerSessions</c> was not called, or ASP.NET Core's own <c>AddSession</c> was.</exception>
    public static IApplicationBuilder UseServerSessions(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<Microsoft.AspNetCore.Session.ISessionStore>() is not null)
        {
            throw new InvalidOperationException(
                "ASP.NET Core's session (services.AddSession()) is registered beside ServerSessions. Remove AddSession() and " +
                "UseSession(): ServerSessions provides HttpContext.Session (ISession) itself, and two session middlewares would " +
                "fight over the same feature.");
        }

        var runtime = app.ApplicationServices.GetService<SessionRuntime>()
            ?? throw new InvalidOperationException("Call services.AddServerSessions() before app.UseServerSessions().");
        return app.UseMiddleware<SessionMiddleware>(runtime);
    }
}
