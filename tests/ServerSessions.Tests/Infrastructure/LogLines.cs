using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Every log line, at every level, each as one string: level, event ID, message and exception (with inner ones and
/// stack). For tests that check what reaches the logs, such as that no line carries a session ID.
/// </summary>
internal sealed class LogLines : ILoggerProvider, ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>A logger factory that logs at <see cref="LogLevel.Trace"/> into <see cref="Lines"/>.</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    /// <summary>Fails naming a line that carries any of <paramref name="secrets"/>.</summary>
    public void AssertNoLineCarries(params string[] secrets)
    {
        var leaks = Lines.Where(line => secrets.Any(secret => line.Contains(secret, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} of {Lines.Count} log lines carry the session ID or cookie value, e.g.:\n{leaks.FirstOrDefault()}");
    }

    /// <summary>Whether a line of event <paramref name="eventId"/> was logged that contains <paramref name="text"/>.</summary>
    public bool Any(int eventId, string text = "") =>
        Lines.Any(line => line.Contains($" {eventId} ", StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal));

    ILogger ILoggerProvider.CreateLogger(string categoryName) => this;

    IDisposable? ILogger.BeginScope<TState>(TState state) => null;

    bool ILogger.IsEnabled(LogLevel logLevel) => true;

    void ILogger.Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");

    void IDisposable.Dispose()
    {
    }
}
