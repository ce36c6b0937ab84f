using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// Rejects unusable <see cref="RedisSessionStoreOptions"/> with a message naming the setting, when the Redis store is
/// chosen at startup or constructed directly. Messages never repeat the configuration string: it may hold a password.
/// </summary>
internal sealed class RedisSessionStoreOptionsValidator : IValidateOptions<RedisSessionStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisSessionStoreOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> Check(RedisSessionStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            failures.Add(
                "Session:Redis:Configuration is required: the StackExchange.Redis configuration string of the Redis server, " +
                "e.g. 127.0.0.1:6379 (Session__Redis__Configuration in the environment).");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(options.Configuration).EndPoints.Count == 0)
                {
                    failures.Add("Session:Redis:Configuration names no endpoint; give at least one host:port.");
                }
            }
            catch (ArgumentException ex)
            {
                failures.Add($"Session:Redis:Configuration is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }

        if (options.KeyPrefix is null)
        {
            failures.Add("Session:Redis:KeyPrefix must not be null; use an empty string for no prefix.");
        }
        else if (options.KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            failures.Add(
                $"Session:Redis:KeyPrefix '{options.KeyPrefix}' contains '{{' or '}}': in a Redis Cluster that is a hash tag, which " +
                "would put every session in one hash slot, on one master.");
        }

        if (string.IsNullOrEmpty(options.IndexKeyPrefix))
        {
            failures.Add("Session:Redis:IndexKeyPrefix must not be empty: the index of users' sessions needs keys of its own; the default is user-sessions:.");
        }
        else if (options.IndexKeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            failures.Add(
                $"Session:Redis:IndexKeyPrefix '{options.IndexKeyPrefix}' contains '{{' or '}}': the store hash-tags each user's index keys itself; " +
                "remove the braces.");
        }
        else if (!string.IsNullOrEmpty(options.KeyPrefix)
            && (options.IndexKeyPrefix.StartsWith(options.KeyPrefix, StringComparison.Ordinal) || options.KeyPrefix.StartsWith(options.IndexKeyPrefix, StringComparison.Ordinal)))
        {
            failures.Add(
                $"Session:Redis:IndexKeyPrefix '{options.IndexKeyPrefix}' overlaps Session:Redis:KeyPrefix '{options.KeyPrefix}': index keys would " +
                "look like sessions to an app that scans the sessions' keys (connect-redis scans <prefix>*). Choose a prefix that neither starts with " +
                "the other, e.g. user-sessions:.");
        }

        if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout.TotalMilliseconds > int.MaxValue)
        {
            failures.Add($"Session:Redis:OperationTimeout must be more than zero (and under 24 days); it is {options.OperationTimeout}.");
        }

        return failures;
    }
}
