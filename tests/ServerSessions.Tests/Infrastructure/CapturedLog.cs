using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>A logger provider that keeps every entry, at every level, for a test to read.</summary>
internal sealed class CapturedLog : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public sealed record Entry(LogLevel Level, int EventId, string Message);

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new Entry(logLevel, eventId.Id, formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception)));

    public void Dispose()
    {
    }
}
