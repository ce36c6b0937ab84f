using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ServerSessions;

/// <summary>
/// Gives each request a lazy <see cref="ServerSession"/>, loads it up front for endpoints marked
/// <see cref="LoadSessionAttribute"/>, commits it if the endpoint left the response unstarted, turns store faults into
/// <c>503</c> responses and a refused new session (<see cref="ServerSessionOptions.NewSessionLimit"/>) into a <c>429</c>.
/// </summary>
internal sealed class SessionMiddleware(RequestDelegate next, SessionRuntime runtime)
{
    private const string UnavailablePage =
        "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1>" +
        "<p>The service is briefly unavailable. Please try again in a few seconds.</p></body></html>";

    private const string TooManyRequestsPage =
        "<!DOCTYPE html><html><head><title>Too Many Requests</title></head><body><h1>Too Many Requests</h1>" +
        "<p>Too many new visitors from your network. Please try again in a few seconds.</p></body></html>";

    public async Task InvokeAsync(HttpContext context)
    {
        var session = new ServerSession(context, runtime);
        context.Features.Set<ISessionFeature>(session);
        try
        {
            if (context.GetEndpoint()?.Metadata is { } metadata)
            {
                session.IsReadOnly = metadata.GetMetadata<ReadOnlySessionAttribute>() is not null;
                if (metadata.GetMetadata<LoadSessionAttribute>() is not null)
                {
                    await session.LoadAsync(context.RequestAborted);
                }
            }

            await next(context);

            // Results that write no body (redirects, 204s) leave the response unstarted: commit while it can still
            // become an error. Others were committed by the result filter or when the response started.
            if (session.IsLoaded && !context.Response.HasStarted)
            {
                await session.Lifecycle.CommitAsync();
            }
        }
        catch (NewSessionLimitedException refusal) when (!context.Response.HasStarted)
        {
            session.Lifecycle.Finish();
            runtime.NewSessions.LogRefused(context, refusal, atResponseStart: false);
            await WriteErrorPageAsync(
                context.Response, StatusCodes.Status429TooManyRequests, NewSessionLimiter.RetryAfterSeconds(refusal), TooManyRequestsPage);
        }
        catch (Exception ex) when (ex is SessionStoreException or SessionBusyException && !context.Response.HasStarted)
        {
            session.Lifecycle.Finish();
            runtime.Metrics.Refuse(ex, StatusCodes.Status503ServiceUnavailable);
            if (ex is SessionBusyException busy)
            {
                LogBusy(busy);
            }
            else
            {
                runtime.Logger.StoreFailed(ex);
            }

            await WriteErrorPageAsync(context.Response, StatusCodes.Status503ServiceUnavailable, runtime.Options.RetryAfterSeconds, UnavailablePage);
        }
        finally
        {
            // Whatever happened, this request is done with the session: a failed request saves nothing (not even when an
            // outer exception handler's page starts the response later), and the next request of the session may go on.
            session.Lifecycle.Finish();
            context.Features.Set<ISessionFeature>(null);
        }
    }

    private void LogBusy(SessionBusyException busy)
    {
        switch (busy.Cause)
        {
            case SessionBusyCause.TooManyWaiters:
                runtime.Logger.RefusedTooManyWaiters(); // a flood: its first refusal was logged as a warning
                break;
            case SessionBusyCause.HeldTooLong:
                runtime.Logger.HeldTooLong(busy);
                break;
            default:
                runtime.Logger.SessionBusy(busy);
                break;
        }
    }

    private static async Task WriteErrorPageAsync(HttpResponse response, int status, int retryAfterSeconds, string page)
    {
        response.Clear();
        response.StatusCode = status;
        response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/html; charset=utf-8";
        if (!HttpMethods.IsHead(response.HttpContext.Request.Method))
        {
            await response.WriteAsync(page);
        }
    }
}
