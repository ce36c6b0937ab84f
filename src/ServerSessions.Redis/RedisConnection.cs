using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// The store's one connection to Redis: made in the background (the app starts while Redis is down), re-made by the
/// client after an outage, each outage and recovery logged once per endpoint, and each server's version checked as it
/// connects.
/// </summary>
internal sealed class RedisConnection
{
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly TimeSpan _operationTimeout;
    private readonly ILogger _logger;
    private readonly string _endpoints;
    private readonly ConcurrentDictionary<string, byte> _failedEndpoints = new(StringComparer.Ordinal);
    private readonly RedisVersionRequirement _versions;

    public RedisConnection(RedisSessionStoreOptions options, ILogger logger)
    {
        _operationTimeout = options.OperationTimeout;
        _logger = logger;
        _versions = new RedisVersionRequirement(logger);
        var configuration = RedisClientConfiguration.From(options);
        _endpoints = Describe(configuration.EndPoints);
        _logger.Connecting(_endpoints, options.KeyPrefix, options.OperationTimeout);
        _connection = ConnectAsync(configuration);
    }

    /// <summary>The database to send commands to; only the first operations wait here, while the first connection attempt is under way.</summary>
    /// <exception cref="NotSupportedException">A connected server is older than the store needs.</exception>
    public async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectedAsync(cancellationToken);
        _versions.ThrowIfUnsupported();
        return connection.GetDatabase();
    }

    /// <summary>The connection's subscriber, for the release signal.</summary>
    public async ValueTask<ISubscriber> SubscriberAsync() => (await ConnectedAsync(CancellationToken.None)).GetSubscriber();

    /// <summary>Closes the connection once the commands already sent are answered (none are queued).</summary>
    public async Task CloseAsync()
    {
        ConnectionMultiplexer connection;
        try
        {
            connection = await _connection;
        }
        catch (Exception)
        {
            return; // no connection was made: nothing to close
        }

        await connection.CloseAsync(allowCommandsToComplete: true);
        await connection.DisposeAsync();
        _logger.Closed(_endpoints);
    }

    /// <summary>Closes the connection without waiting on a task: at once when it is made, else as soon as it is.</summary>
    public void Close()
    {
        if (_connection.IsCompletedSuccessfully)
        {
            Close(_connection.Result);
        }
        else
        {
            _connection.ContinueWith(
                static (made, self) => ((RedisConnection)self!).Close(made.Result), this,
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private void Close(ConnectionMultiplexer connection)
    {
        connection.Close(allowCommandsToComplete: true);
        connection.Dispose();
        _logger.Closed(_endpoints);
    }

    private async ValueTask<ConnectionMultiplexer> ConnectedAsync(CancellationToken cancellationToken) =>
        _connection.IsCompletedSuccessfully ? _connection.Result : await _connection.WaitAsync(_operationTimeout, cancellationToken);

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);

        // The client reports every failed reconnection attempt; log the outage and the recovery once each.
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && _failedEndpoints.TryAdd(Describe(e.EndPoint), 0))
            {
                _logger.ConnectionFailed(Describe(e.EndPoint), e.FailureType, e.Exception);
            }
        };
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Interactive)
            {
                return;
            }

            if (_failedEndpoints.TryRemove(Describe(e.EndPoint), out byte _))
            {
                _logger.ConnectionRestored(Describe(e.EndPoint));
            }

            _versions.CheckServers(connection, Describe);
        };
        _versions.CheckServers(connection, Describe);
        if (!connection.IsConnected)
        {
            _logger.NotConnected(_endpoints);
            foreach (var endpoint in configuration.EndPoints)
            {
                _failedEndpoints.TryAdd(Describe(endpoint), 0);
            }
        }

        return connection;
    }

    private static string Describe(IEnumerable<EndPoint> endpoints) => string.Join(", ", endpoints.Select(Describe));

    private static string Describe(EndPoint? endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        null => "(unknown)",
        _ => endpoint.ToString() ?? "(unknown)",
    };
}
