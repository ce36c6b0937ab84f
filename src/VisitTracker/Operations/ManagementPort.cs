using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using ServerSessions;

namespace VisitTracker.Operations;

/// <summary>
/// Metrics (ServerSessions', VisitTracker's and ASP.NET Core's meters) through OpenTelemetry's Prometheus exporter, served
/// as <c>/metrics</c> on the management port only: a request is told apart by the port it arrived on (the socket's, which
/// no header can change), so the app's port never serves <c>/metrics</c> and the management port serves nothing else.
/// </summary>
internal static class ManagementPort
{
    public static IServiceCollection AddVisitTrackerTelemetry(this IServiceCollection services, ManagementOptions management)
    {
        services.AddSingleton<VisitTrackerMetrics>();
        if (management.Enabled)
        {
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService(VisitTrackerMetrics.MeterName))
                .WithMetrics(metrics => metrics
                .AddMeter(ServerSessionsTelemetry.MeterName, VisitTrackerMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddPrometheusExporter());
        }

        return services;
    }

    /// <summary>
    /// Listens on <paramref name="appUrls"/> and, unless it is off, on the management URL, whose requests get
    /// <c>/metrics</c> or 404. First in the pipeline, so nothing of the app's runs for them.
    /// </summary>
    public static WebApplication ListenOn(this WebApplication app, IReadOnlyList<string> appUrls, ManagementOptions management)
    {
        foreach (var url in appUrls)
        {
            app.Urls.Add(url);
        }

        if (!management.Enabled)
        {
            return app;
        }

        // Kestrel:Endpoints replaces every other address, app.Urls included: the management port is open only if one of
        // them is it, and a startup line announcing a port nobody listens on would mislead.
        var endpoints = app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().ToList();
        if (endpoints.Count > 0 && !endpoints.Any(endpoint => PortOf(endpoint["Url"] ?? "") == management.Port))
        {
            throw new InvalidOperationException(
                $"Kestrel:Endpoints is set, so Kestrel listens only on the endpoints it names, not on the management port {management.Url}: " +
                $"add an endpoint with that URL there (Kestrel:Endpoints:Management:Url), or set {ManagementOptions.Section}:Enabled=false.");
        }

        if (appUrls.FirstOrDefault(url => PortOf(url) == management.Port) is { } clash)
        {
            throw new InvalidOperationException(
                $"{ManagementOptions.Section}:Port {management.Port} is also the app's port ({clash}): give the management port another number.");
        }

        app.Urls.Add(management.Url);
        var port = management.Port;
        app.MapWhen(context => context.Connection.LocalPort == port, metrics =>
        {
            metrics.UseOpenTelemetryPrometheusScrapingEndpoint(static context => context.Request.Path == "/metrics");
            metrics.Run(static context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.ManagementListening(management.Url + "/metrics"));
        return app;
    }

    // A URL Kestrel cannot read is Kestrel's to report.
    private static int? PortOf(string url)
    {
        try
        {
            return BindingAddress.Parse(url).Port;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="exception"/> is Kestrel's failure to bind the management URL (another instance has it).</summary>
    public static bool IsInUse(this ManagementOptions management, Exception exception) =>
        management.Enabled && exception is IOException { InnerException: AddressInUseException } && exception.Message.Contains(management.Url, StringComparison.Ordinal);
}
