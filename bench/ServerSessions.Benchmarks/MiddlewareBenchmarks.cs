using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Benchmarks;

/// <summary>
/// One request of a returning visitor, in process (TestServer, no sockets): the endpoint loads the session, increments
/// a counter and writes it. ServerSessions (Memory store, default options) against ASP.NET Core's built-in session
/// (AddDistributedMemoryCache + AddSession), and the same endpoint without a session as the floor. Two more requests
/// through ServerSessions, for the load test's other paths: a returning visit under LastWriteWins, and a new visitor
/// (no cookie: a session created, stored and signed into a Set-Cookie; the store is capped at 1,000 sessions, so each
/// request also evicts one and the measured requests all do the same work).
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser] // thread-pool work items per request: each is a hop that a loaded machine makes slow
public class MiddlewareBenchmarks
{
    private WebApplication _builtIn = null!;
    private WebApplication _ours = null!;
    private WebApplication _none = null!;
    private WebApplication _oursLastWriteWins = null!;
    private WebApplication _oursNew = null!;
    private string _builtInCookie = "";
    private string _ourCookie = "";
    private string _ourLastWriteWinsCookie = "";

    [GlobalSetup]
    public async Task Setup()
    {
        _builtIn = await StartAsync(
            services => services.AddDistributedMemoryCache().AddSession(),
            app => app.UseSession(),
            async context =>
            {
                await context.Session.LoadAsync();
                var visits = (context.Session.GetInt32("visits") ?? 0) + 1;
                context.Session.SetInt32("visits", visits);
                return visits;
            });
        _ours = await StartOursAsync(_ => { });
        _none = await StartAsync(_ => { }, _ => { }, _ => Task.FromResult(1));
        _oursLastWriteWins = await StartOursAsync(o => o.Concurrency = SessionConcurrency.LastWriteWins);
        _oursNew = await StartOursAsync(_ => { }, services => services.Configure<MemorySessionStoreOptions>(o => o.MaxSessions = 1_000));

        _builtInCookie = await FirstVisitAsync(_builtIn);
        _ourCookie = await FirstVisitAsync(_ours);
        _ourLastWriteWinsCookie = await FirstVisitAsync(_oursLastWriteWins);
        if (await BuiltInSession() != "2" || await ServerSessions() != "2" || await ServerSessionsLastWriteWins() != "2"
            || await ServerSessionsNewVisit() != "1")
        {
            throw new InvalidOperationException("A session did not count the second visit.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _builtIn.DisposeAsync();
        await _ours.DisposeAsync();
        await _none.DisposeAsync();
        await _oursLastWriteWins.DisposeAsync();
        await _oursNew.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task<string> BuiltInSession() => VisitAsync(_builtIn, _builtInCookie);

    [Benchmark]
    public Task<string> ServerSessions() => VisitAsync(_ours, _ourCookie);

    [Benchmark]
    public Task<string> NoSession() => VisitAsync(_none, "");

    [Benchmark]
    public Task<string> ServerSessionsLastWriteWins() => VisitAsync(_oursLastWriteWins, _ourLastWriteWinsCookie);

    [Benchmark]
    public Task<string> ServerSessionsNewVisit() => VisitAsync(_oursNew, "");

    private static Task<WebApplication> StartOursAsync(Action<ServerSessionOptions> configure, Action<IServiceCollection>? more = null) => StartAsync(
        services =>
        {
            services.AddServerSessions(o =>
            {
                o.Secret = "bench-secret";
                o.NewSessionLimit.PermitsPerMinute = 0; // every request comes from one (absent) address; the new-visit benchmark starts a session each time
                configure(o);
            });
            more?.Invoke(services);
        },
        app => app.UseServerSessions(),
        async context =>
        {
            var session = await context.LoadSessionAsync();
            var visits = session.Get<int>("visits") + 1;
            session.Set("visits", visits);
            return visits;
        });

    private static async Task<WebApplication> StartAsync(Action<IServiceCollection> services, Action<WebApplication> use, Func<HttpContext, Task<int>> count)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        services(builder.Services);
        var app = builder.Build();
        use(app);
        app.Run(async context =>
        {
            var visits = await count(context);
            await context.Response.WriteAsync(visits.ToString(CultureInfo.InvariantCulture));
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<string> FirstVisitAsync(WebApplication app)
    {
        var context = await app.GetTestServer().SendAsync(_ => { });
        var setCookie = context.Response.Headers.SetCookie.ToString();
        return setCookie.Length == 0 ? throw new InvalidOperationException("The first visit set no cookie.") : setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
    }

    private static async Task<string> VisitAsync(WebApplication app, string cookie)
    {
        var context = await app.GetTestServer().SendAsync(c => c.Request.Headers.Cookie = cookie);
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }
}
