using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ServerSessions;

/// <summary>
/// Commits a loaded session after the action and before its result executes (MVC, Razor Pages) or before a minimal
/// API's result executes (as an endpoint filter), so a failed save still becomes a clean error response instead of a
/// page that claims a change that was lost.
/// </summary>
internal sealed class SessionCommitFilter : IAsyncAlwaysRunResultFilter, IEndpointFilter
{
    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        await CommitAsync(context.HttpContext);
        await next();
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        await CommitAsync(context.HttpContext);
        return result;
    }

    private static Task CommitAsync(HttpContext context) =>
        context.Features.Get<ISessionFeature>()?.Session is ServerSession { IsLoaded: true } session
            ? session.Lifecycle.CommitAsync()
            : Task.CompletedTask;
}
