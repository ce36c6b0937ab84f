using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>Every line the host logs, at every level, formatted as a log file would show it.</summary>
internal sealed class LogLines : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> All => [.. _lines];

    /// <summary>A <c>services</c> callback for <see cref="SessionTestHost.StartAsync"/> that sends the host's logging here.</summary>
    public void AddTo(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    public IReadOnlyList<LogLine> WithEvent(int eventId) => [.. _lines.Where(line => line.EventId == eventId)];

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
