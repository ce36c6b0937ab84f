using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// Whether Redis answers: a PING over the store's own connection (no connection of its own per check). Its descriptions
/// name the failure's kind only: the client's messages could carry the configuration string, password and all.
/// </summary>
internal static class RedisHealthProbe
{
    public static async Task<HealthCheckResult> CheckAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var database = await connection.DatabaseAsync(cancellationToken);
            var latency = await database.PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered PING in {latency.TotalMilliseconds:0} ms.");
        }
        catch (RedisConnectionException ex)
        {
            return HealthCheckResult.Unhealthy($"Redis is not reachable ({ex.FailureType}).");
        }
        catch (Exception ex) when (ex is RedisTimeoutException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis did not answer PING within Session:Redis:OperationTimeout.");
        }
        catch (NotSupportedException)
        {
            return HealthCheckResult.Unhealthy("A Redis server is older than the store needs (see the store's log).");
        }
    }
}
