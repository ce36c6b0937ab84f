using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

/// <summary>The session from MVC controllers, Razor Pages, minimal APIs and TempData.</summary>
public sealed class FrameworkIntegrationTests
{
    private static Task<SessionTestHost> StartMvcAsync() => SessionTestHost.StartAsync(
        app =>
        {
            app.MapControllers();
            app.MapRazorPages();
        },
        services: services => services
            .AddRazorPages()
            .AddApplicationPart(typeof(FrameworkIntegrationTests).Assembly)
            .AddSessionStateTempDataProvider()
            .Services.AddControllersWithViews());

    private static async Task<(string Body, string? Cookie)> GetAsync(SessionTestHost host, string path, string? cookie)
    {
        using var response = await host.SendAsync(path, cookie);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(), SetCookies.Find(response) is null ? cookie : SetCookies.Pair(response));
    }

    private static List<Microsoft.AspNetCore.Mvc.Filters.IFilterMetadata> FiltersOfServerSessions(SessionTestHost host, string action) =>
        host.Services.GetRequiredService<Microsoft.AspNetCore.Mvc.Infrastructure.IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<Microsoft.AspNetCore.Mvc.Controllers.ControllerActionDescriptor>()
            .Single(descriptor => descriptor.ControllerTypeInfo == typeof(SessionTestController) && descriptor.ActionName == action)
            .FilterDescriptors.Select(descriptor => descriptor.Filter)
            .Where(filter => filter.GetType().Assembly == typeof(ServerSession).Assembly)
            .ToList();

    [Fact]
    public async Task MvcAction_WithFromSessionParameter_CountsAcrossRequests()
    {
        await using var host = await StartMvcAsync();
        var (first, cookie) = await GetAsync(host, "/mvc/count", null);
        var (second, _) = await GetAsync(host, "/mvc/count", cookie);
        Assert.Equal(("1", "2"), (first, second));
    }

    [Fact]
    public async Task MvcModelValidation_DoesNotWalkTheBoundSession()
    {
        await using var host = await StartMvcAsync();
        var metadata = host.Services.GetRequiredService<Microsoft.AspNetCore.Mvc.ModelBinding.IModelMetadataProvider>();
        Assert.False(metadata.GetMetadataForType(typeof(ServerSession)).ValidateChildren);
        Assert.False(metadata.GetMetadataForType(typeof(ISession)).ValidateChildren);
    }

    [Fact]
    public async Task MvcAction_CommitsAfterTheAppsActionFilters_NotRightAfterTheActionMethod()
    {
        await using var host = await StartMvcAsync();
        using var response = await host.SendAsync("/mvc/observed");
        Assert.Equal("0", response.Headers.GetValues(ObserveStoreWritesAttribute.Header).Single()); // none yet when the action filter ran
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task MinimalApi_DestroyThenWrite_SavesTheNewSessionOnce()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/renew", async (ServerSession session) =>
        {
            await session.DestroyAsync();
            session.Set("visits", 1);
            return "renewed";
        }));
        using var first = await host.SendAsync("/renew");
        host.Store.Calls.Clear();
        using var second = await host.SendAsync("/renew", SetCookies.Pair(first));
        Assert.Equal(["get", "destroy", "set"], host.Store.Calls);
    }

    [Fact]
    public async Task MvcAction_CommitsBeforeTheResultExecutes()
    {
        await using var host = await StartMvcAsync();
        using var response = await host.SendAsync("/mvc/stored-before-result");
        // The action's result reads the store while it executes: the write already happened.
        Assert.Equal("stored", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MvcAction_WithSessionParameter_RunsOneFilterOfServerSessions_AndNoResultFilter()
    {
        await using var host = await StartMvcAsync();
        var ours = FiltersOfServerSessions(host, nameof(SessionTestController.Count));
        var filter = Assert.Single(ours);
        Assert.IsNotAssignableFrom<Microsoft.AspNetCore.Mvc.Filters.IResultFilter>(filter);
        Assert.IsNotAssignableFrom<Microsoft.AspNetCore.Mvc.Filters.IAsyncResultFilter>(filter);
    }

    [Fact]
    public async Task MvcAction_WithLoadSessionAndNoSessionParameter_CommitsBeforeTheResultExecutes()
    {
        await using var host = await StartMvcAsync();
        Assert.IsType<SessionCommitFilter>(Assert.Single(FiltersOfServerSessions(host, nameof(SessionTestController.StoredBeforeResultLoaded))));
        using var response = await host.SendAsync("/mvc/stored-before-result-loaded");
        Assert.Equal("stored", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MvcAction_StoreFailureOnCommit_Answers503WithRetryAfter_AndNoSuccessPage()
    {
        await using var host = await StartMvcAsync();
        host.Store.Failures["set"] = new IOException("disk full");
        using var response = await host.SendAsync("/mvc/count");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Service Unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(SetCookies.Find(response));
    }

    [Fact]
    public async Task RazorPage_WithLoadSession_UsesISessionSynchronously()
    {
        await using var host = await StartMvcAsync();
        var (first, cookie) = await GetAsync(host, "/pages/counter", null);
        var (second, _) = await GetAsync(host, "/pages/counter", cookie);
        Assert.Equal(("1", "2"), (first.Trim(), second.Trim()));
    }

    [Fact]
    public async Task TempData_OnTheSessionProvider_SurvivesARedirect()
    {
        await using var host = await StartMvcAsync();
        using var set = await host.SendAsync("/mvc/flash");
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        var (shown, cookie) = await GetAsync(host, "/mvc/show-flash", SetCookies.Pair(set));
        var (again, _) = await GetAsync(host, "/mvc/show-flash", cookie);
        Assert.Equal("saved!", shown);
        Assert.Equal("none", again); // TempData is read once
    }

    [Fact]
    public async Task MinimalApi_WithSession_LoadsForSynchronousISession()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            var visits = (context.Session.GetInt32("visits") ?? 0) + 1;
            context.Session.SetInt32("visits", visits);
            return visits;
        }).WithSession());
        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first));
        Assert.Equal("2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SynchronousAccess_BeforeLoading_ThrowsErrorNamingTheFix()
    {
        InvalidOperationException? error = null;
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            error = Assert.Throws<InvalidOperationException>(() => context.Session.GetString("x"));
            return "ok";
        }));
        using var response = await host.SendAsync("/");
        Assert.Contains("LoadSessionAsync", error!.Message, StringComparison.Ordinal);
        Assert.Contains("[FromSession]", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Store.Count("get")); // and nothing was read from the store
    }

    [Fact]
    public async Task RequestThatNeverUsesTheSession_NeverReadsTheStore_AndSetsNoCookie()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/", () => "plain");
            app.MapGet("/session", (ServerSession session) => session.IsNew ? "new" : "found");
        });
        using var first = await host.SendAsync("/");
        var cookie = "connect.sid=" + Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign("abcdefghijklmnopqrstuvwxyz012345"));
        using var second = await host.SendAsync("/", cookie);
        Assert.Equal(("plain", "plain"), (await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync()));
        Assert.Empty(host.Store.Calls);
        Assert.Null(SetCookies.Find(first));
        Assert.Null(second.Headers.CacheControl);

        // The same cookie on an endpoint that uses the session is read from the store (and the response is marked no-store).
        using var third = await host.SendAsync("/session", cookie);
        Assert.Equal("new", await third.Content.ReadAsStringAsync());
        Assert.Equal(["get"], host.Store.Calls);
        Assert.Equal("no-store", third.Headers.CacheControl?.ToString());
    }
}

[Route("mvc")]
public sealed class SessionTestController : Controller
{
    [HttpGet("count")]
    public IActionResult Count([FromSession] ServerSession session)
    {
        var visits = session.Get<int>("visits") + 1;
        session.Set("visits", visits);
        return Content(visits.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [HttpGet("observed")]
    [ObserveStoreWrites]
    public IActionResult Observed([FromSession] ServerSession session)
    {
        session.Set("visits", 1);
        return Content("ok");
    }

    [HttpGet("stored-before-result")]
    public IActionResult StoredBeforeResult([FromSession] ServerSession session)
    {
        session.Set("visits", 1);
        return new StoreProbeResult(session.Id);
    }

    [HttpGet("stored-before-result-loaded")]
    [LoadSession]
    public IActionResult StoredBeforeResultLoaded()
    {
        HttpContext.GetServerSession().Set("visits", 1);
        return new StoreProbeResult(HttpContext.GetServerSession().Id);
    }

    [HttpGet("flash")]
    [LoadSession]
    public IActionResult Flash()
    {
        TempData["message"] = "saved!";
        return Redirect("/mvc/show-flash");
    }

    [HttpGet("show-flash")]
    [LoadSession]
    public IActionResult ShowFlash() => Content(TempData["message"] as string ?? "none");

    private sealed class StoreProbeResult(string id) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var store = context.HttpContext.RequestServices.GetRequiredService<SessionRuntime>().Store;
            var record = await store.GetAsync(id, default);
            await context.HttpContext.Response.WriteAsync(record is null ? "missing" : "stored");
        }
    }
}

/// <summary>An app's action filter: reports, in a header, how many session writes the store had seen when it ran after the action.</summary>
public sealed class ObserveStoreWritesAttribute : Microsoft.AspNetCore.Mvc.Filters.ActionFilterAttribute
{
    public const string Header = "X-Store-Writes-After-Action";

    public override void OnActionExecuted(Microsoft.AspNetCore.Mvc.Filters.ActionExecutedContext context)
    {
        var store = (RecordingStore)context.HttpContext.RequestServices.GetRequiredService<SessionRuntime>().Store;
        context.HttpContext.Response.Headers[Header] = store.Count("set").ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
