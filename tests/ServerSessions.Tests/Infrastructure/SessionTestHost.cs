using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ServerSessions;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// An in-process app with ServerSessions in front of the endpoints a test maps, on a recording memory store and a
/// fake clock. The one place tests set up a host; cookies are handled by hand so tests see every header.
/// </summary>
/// <remarks>
/// The fake clock starts at the real now, to the whole second (cookie <c>Expires</c> has no finer unit), never at a fixed
/// date, so a store that meets a real clock sees a plausible instant on any date. A test about timing across a real
/// store (Redis leases) runs the host on the real clock instead (<c>clock: TimeProvider.System</c>).
/// </remarks>
internal sealed class SessionTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeTimeProvider? _time;

    private SessionTestHost(WebApplication app, RecordingStore store, TimeProvider clock, MemorySessionStore memory)
    {
        _app = app;
        Store = store;
        _time = clock as FakeTimeProvider;
        Memory = memory;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public RecordingStore Store { get; }

    public MemorySessionStore Memory { get; }

    /// <summary>The host's fake clock; a host started on another clock has none.</summary>
    public FakeTimeProvider Time => _time ?? throw new InvalidOperationException("This host runs on the real clock: there is no fake clock to move.");

    public TestServer Server => (TestServer)_app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();

    public IServiceProvider Services => _app.Services;

    /// <summary>The secret hosts sign with unless a test sets another.</summary>
    public const string Secret = "keyboard cat, typed 32+ bytes long";

    public static async Task<SessionTestHost> StartAsync(
        Action<WebApplication> map,
        Action<ServerSessionOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? beforeSessions = null,
        Func<TimeProvider, IServerSessionStore>? store = null,
        TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var time = clock ?? new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var memory = new MemorySessionStore(new MemorySessionStoreOptions(), time);
        var inner = store?.Invoke(time) ?? memory;
        var recording = inner switch
        {
            IServerSessionLeaseStore leases => new RecordingLeaseStore(leases),
            IServerSessionIndexStore index => new RecordingIndexStore(index),
            _ => new RecordingStore(inner),
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddRouting();
        builder.Services
            .AddServerSessions(o =>
            {
                o.Secret = Secret;
                configure?.Invoke(o);
            })
            .AddStore("Recording", _ => recording);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        beforeSessions?.Invoke(app);
        app.UseServerSessions();
        map(app);
        await app.StartAsync();
        return new SessionTestHost(app, recording, time, memory);
    }

    /// <summary>Sends a request with an optional raw Cookie header.</summary>
    public Task<HttpResponseMessage> SendAsync(string path, string? cookie = null, HttpMethod? method = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        configure?.Invoke(request);
        return Client.SendAsync(request);
    }

    public async Task<string> GetStringAsync(string path, string? cookie = null)
    {
        using var response = await SendAsync(path, cookie);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Memory.Dispose();
    }
}
