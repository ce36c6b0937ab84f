using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Benchmarks;

/// <summary>
/// One request of a returning visitor to a controller action, in process (TestServer, no sockets), as VisitTracker's home
/// page takes it: a <c>[FromSession] ServerSession</c> parameter, a counter incremented, a content result. Against the
/// same controller's action without a session, the floor: the difference is what ServerSessions adds to an MVC request,
/// its filters included.
/// </summary>
[MemoryDiagnoser]
public class MvcBenchmarks
{
    private WebApplication _app = null!;
    private string _cookie = "";

    [GlobalSetup]
    public async Task Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddServerSessions(o =>
        {
            o.Secret = "bench-secret, at least 32 bytes long";
            o.NewSessionLimit.PermitsPerMinute = 0;
        });
        builder.Services.AddControllers().AddApplicationPart(typeof(MvcBenchmarks).Assembly);
        _app = builder.Build();
        _app.UseServerSessions();
        _app.MapControllers();
        await _app.StartAsync();

        var first = await _app.GetTestServer().SendAsync(c => c.Request.Path = "/bench/visits");
        var setCookie = first.Response.Headers.SetCookie.ToString();
        _cookie = setCookie.Length == 0 ? throw new InvalidOperationException("The first visit set no cookie.") : setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        if (await ServerSessionsMvc() != "2" || await NoSessionMvc() != "1")
        {
            throw new InvalidOperationException("The session did not count the second visit.");
        }
    }

    [GlobalCleanup]
    public Task Cleanup() => _app.DisposeAsync().AsTask();

    [Benchmark]
    public Task<string> ServerSessionsMvc() => VisitAsync("/bench/visits", _cookie);

    [Benchmark(Baseline = true)]
    public Task<string> NoSessionMvc() => VisitAsync("/bench/plain", "");

    private async Task<string> VisitAsync(string path, string cookie)
    {
        var context = await _app.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = path;
            c.Request.Headers.Cookie = cookie;
        });
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }
}

/// <summary>The controller <see cref="MvcBenchmarks"/> visits.</summary>
[Route("bench")]
public sealed class BenchController : ControllerBase
{
    /// <summary>Counts the visit in the session.</summary>
    /// <param name="session">The request's session.</param>
    /// <returns>The count.</returns>
    [HttpGet("visits")]
    public IActionResult Visits([FromSession] ServerSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var visits = session.Get<int>("visits") + 1;
        session.Set("visits", visits);
        return Content(visits.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The same page without a session.</summary>
    /// <returns>1.</returns>
    [HttpGet("plain")]
    public IActionResult Plain() => Content("1");
}
