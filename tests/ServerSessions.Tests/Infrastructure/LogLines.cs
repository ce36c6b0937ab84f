using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Every line logged, at every level, with its exception (inner ones and stack included), as a log file would show it:
/// for tests of what reaches the logs, such as that no line carries a session ID.
/// </summary>
internal sealed class LogLines : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> All => [.. _lines];

    /// <summary>Each line as one string: level, event ID, message and exception.</summary>
    public IReadOnlyList<string> Lines => [.. _lines.Select(line => $"{line.Level} {line.EventId} {line.Message}")];

    /// <summary>A <c>services</c> callback for <see cref="SessionTestHost.StartAsync"/> that sends the host's logging here.</summary>
    public void AddTo(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    /// <summary>A logger factory that logs at <see cref="LogLevel.Trace"/> into these lines.</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    public IReadOnlyList<LogLine> WithEvent(int eventId) => [.. _lines.Where(line => line.EventId == eventId)];

    /// <summary>Whether a line of event <paramref name="eventId"/> was logged that contains <paramref name="text"/>.</summary>
    public bool Any(int eventId, string text = "") =>
        _lines.Any(line => line.EventId == eventId && line.Message.Contains(text, StringComparison.Ordinal));

    /// <summary>Fails naming a line that carries any of <paramref name="secrets"/>.</summary>
    public void AssertNoLineCarries(params string[] secrets)
    {
        var lines = Lines;
        var leaks = lines.Where(line => secrets.Any(secret => line.Contains(secret, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} of {lines.Count} log lines carry the session ID or cookie value, e.g.:\n{leaks.FirstOrDefault()}");
    }

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(new LogLine(logLevel, eventId.Id, formatter(state, exception) + (exception is null ? "" : " " + exception)));

    public void Dispose()
    {
    }
}

/// <summary>One logged line.</summary>
internal sealed record LogLine(LogLevel Level, int EventId, string Message);
