namespace VisitTracker.Operations;

/// <summary>VisitTracker's startup log entries about where it keeps its data and where its metrics are (3002–3009).</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(3002, LogLevel.Information, "Metrics for Prometheus at {MetricsUrl} (the management port; Management:Enabled=false closes it).")]
    public static partial void ManagementListening(this ILogger logger, string metricsUrl);

    [LoggerMessage(3003, LogLevel.Information, "Data: sessions in {Sessions}; users in {UsersDatabase}; form keys in {Keys}.")]
    public static partial void DataPaths(this ILogger logger, string sessions, string usersDatabase, string keys);
}
