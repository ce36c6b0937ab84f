using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Every line an in-process host logs, at every level, as "Level EventId message exception": hand <see cref="Register"/>
/// to <see cref="SessionTestHost.StartAsync"/>'s <c>services</c>.
/// </summary>
internal sealed class LogLines : ILoggerProvider, ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void Register(IServiceCollection services) =>
        services.AddSingleton<ILoggerFactory>(LoggerFactory.Create(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace)));

    /// <summary>The lines logged with event <paramref name="eventId"/>.</summary>
    public List<string> WithEvent(int eventId) => [.. Lines.Where(line => line.Split(' ')[1] == eventId.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");

    public void Dispose()
    {
    }
}
