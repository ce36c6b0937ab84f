using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ServerSessions;

/// <summary>
/// The one filter of a controller action that takes the session as a parameter: loads the session into the action's
/// arguments before the app's own action filters run (they may read it), and commits it once they are done, before the
/// result executes, so a failed save still becomes a clean error response. It does for these actions what
/// <see cref="SessionCommitFilter"/> does for the others, without a result filter of its own.
/// </summary>
internal sealed class SessionParameterFilter(string[] names) : IAsyncActionFilter, IOrderedFilter
{
    // Outside the app's own action filters: they see the argument, and their changes are in the commit.
    public int Order => int.MinValue;

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var session = await context.HttpContext.LoadSessionAsync(context.HttpContext.RequestAborted);
        foreach (var name in names)
        {
            context.ActionArguments[name] = session;
        }

        var executed = await next();

        // A request that throws saves nothing; one whose exception a filter handled goes on to a result like any other.
        if (executed.Exception is null || executed.ExceptionHandled)
        {
            await session.Lifecycle.CommitAsync();
        }
    }
}
