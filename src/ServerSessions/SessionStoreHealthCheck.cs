using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>
/// The health check of the session store in use, or of one named store: it asks the store (created on first use, as the
/// middleware would), bounded by <see cref="ServerSessionOptions.StoreTimeout"/>. The memory store, and a store that has
/// no check of its own, are healthy.
/// </summary>
internal sealed class SessionStoreHealthCheck(IServiceProvider services, string? requiredStore) : IHealthCheck
{
    public static IHealthChecksBuilder Register(
        IHealthChecksBuilder builder, string name, string? requiredStore, HealthStatus? failureStatus, IEnumerable<string>? tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(name, services => new SessionStoreHealthCheck(services, requiredStore), failureStatus, tags));
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var failure = context.Registration.FailureStatus;
        var chosen = services.GetRequiredService<SessionStoreChoice>().Registration.Name;
        if (requiredStore is not null && !string.Equals(chosen, requiredStore, StringComparison.OrdinalIgnoreCase))
        {
            return new HealthCheckResult(failure, $"The {requiredStore} session store is not in use: Session:Store chose {chosen}.");
        }

        var timeout = services.GetRequiredService<IOptions<ServerSessionOptions>>().Value.StoreTimeout;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            var store = services.GetRequiredKeyedService<IServerSessionStore>(SessionStoreChoice.StoreKey);
            if (store is not IHealthCheckedSessionStore checkedStore)
            {
                return HealthCheckResult.Healthy(store is MemorySessionStore
                    ? "The memory session store is in this process."
                    : $"The {chosen} session store has no health check of its own.");
            }

            var result = await checkedStore.CheckHealthAsync(bound.Token).WaitAsync(bound.Token);
            return result.Status == HealthStatus.Healthy ? result : new HealthCheckResult(failure, result.Description, result.Exception, result.Data);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(failure, $"The {chosen} session store did not answer within Session:StoreTimeout ({timeout}).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The type only: a store's message could carry what the store was given (a Redis configuration string).
            return new HealthCheckResult(failure, $"The {chosen} session store failed its health check ({ex.GetType().Name}).");
        }
    }
}
