namespace ServerSessions;

/// <summary>
/// The names ServerSessions publishes its metrics and traces under, for OpenTelemetry
/// (<c>.AddMeter(ServerSessionsTelemetry.MeterName)</c>, <c>.AddSource(ServerSessionsTelemetry.ActivitySourceName)</c>) and
/// <c>dotnet-counters monitor --counters ServerSessions</c>. No measurement or span carries a session ID, cookie or user.
/// </summary>
public static class ServerSessionsTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: <c>ServerSessions</c>.</summary>
    public const string MeterName = "ServerSessions";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>: <c>ServerSessions</c>.</summary>
    public const string ActivitySourceName = "ServerSessions";
}
