using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ServerSessions;

/// <summary>
/// Authentication over the session, as Passport does it: the signed-in user is the session's <c>passport.user</c>
/// (<see cref="PassportUser"/>). Authenticating reads the session without its turn — the loaded session when the request
/// has loaded it, else one look at the store (<see cref="SessionPeek"/>) that a load without a turn reuses — since the
/// user changes only at sign-in and sign-out, which take the turn: sign-in regenerates the session keeping its data,
/// sign-out destroys it.
/// </summary>
internal sealed class ServerSessionAuthenticationHandler(
    IOptionsMonitor<ServerSessionAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, SessionRuntime runtime, SessionIndexing indexing)
    : SignInAuthenticationHandler<ServerSessionAuthenticationOptions>(options, logger, encoder)
{
    private new ServerSessionAuthenticationEvents Events => (ServerSessionAuthenticationEvents)base.Events!;

    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new ServerSessionAuthenticationEvents());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var session = RequireSession();
        if (await SignedInUserAsync(session) is not { } signedIn)
        {
            return AuthenticateResult.NoResult();
        }

        var principal = await ValidateAsync(signedIn);
        if (principal is null && !session.IsReadOnly)
        {
            // Signing out takes the turn. A rejection made on a read taken without it is checked again on what the session
            // holds once the turn is ours: a request that held it meanwhile may have made the session valid again (a
            // password change storing the user's new stamp), and must not lose it to a stale read.
            var lookedWithoutTurn = !session.IsLoaded;
            await session.LoadAsync(Context.RequestAborted);
            if (lookedWithoutTurn && FromLoaded(session) is { } current)
            {
                signedIn = current;
                principal = await ValidateAsync(current);
            }

            if (principal is null && FromLoaded(session) is not null)
            {
                runtime.Logger.UserRejected(new SessionLogId(signedIn.Id));
                await SignOutAsync(session, SignOutReason.Rejected);
            }
        }

        if (principal is null)
        {
            return AuthenticateResult.NoResult();
        }

        await indexing.SeenAsync(Context, signedIn.User, signedIn.Id, signedIn.Expires, Context.RequestAborted);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    // The principal OnValidateUser made for the signed-in user, or null when it rejected the user.
    private async Task<ClaimsPrincipal?> ValidateAsync(SignedInSession signedIn)
    {
        var validation = new ValidateUserContext(Context, Scheme, Options, signedIn.User, signedIn.Values, runtime.Options.JsonSerializerOptions)
        {
            Principal = DefaultPrincipal(signedIn.User),
        };
        await Events.ValidateUser(validation);
        return validation.IsRejected ? null : validation.Principal;
    }

    protected override async Task HandleSignInAsync(ClaimsPrincipal user, AuthenticationProperties? properties)
    {
        try
        {
            await SignInAsync(user);
        }
        catch
        {
            runtime.Metrics.SignIns.Add(1, new KeyValuePair<string, object?>(SessionMetrics.SignInOutcomeTag, "failure"));
            throw;
        }

        runtime.Metrics.SignIns.Add(1, new KeyValuePair<string, object?>(SessionMetrics.SignInOutcomeTag, "success"));
    }

    private async Task SignInAsync(ClaimsPrincipal user)
    {
        var name = Options.SerializeUser(user);
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidOperationException(
                "Signing in needs a user to store: the principal has neither a NameIdentifier claim nor a name (or SerializeUser returned none).");
        }

        var session = RequireSession();
        var cancellationToken = Context.RequestAborted;
        await session.LoadAsync(cancellationToken);

        // A new ID for the signed-in session (no fixation), keeping what the visitor had (the visit count survives).
        await session.RegenerateAsync(clearData: false, cancellationToken);
        session.SetJson(PassportUser.Key, PassportUser.Write(name));
        var lifecycle = session.Lifecycle;
        var expires = SessionExpiry.InStore(runtime.Options, runtime.Time.GetUtcNow(), lifecycle.Contents.MaxAge(runtime.Options), lifecycle.Contents.CreatedUnixMs);
        await indexing.SignedInAsync(Context, name, session.Id, expires, cancellationToken);
        runtime.Logger.SignedIn(new SessionLogId(session.Id));
    }

    protected override Task HandleSignOutAsync(AuthenticationProperties? properties) => SignOutAsync(RequireSession(), SignOutReason.SignOut);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!AcceptsHtml(Request))
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }

        var returnUrl = IsLocal(properties.RedirectUri) ? properties.RedirectUri! : OriginalPathBase + OriginalPath + Request.QueryString;
        Response.Headers.CacheControl = "no-store";
        Response.Redirect(OriginalPathBase + Options.LoginPath + QueryString.Create(Options.ReturnUrlParameter, returnUrl));
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    /// <summary>A path on this site: one slash, then not another slash or a backslash (<c>//evil</c> and <c>/\evil</c> are other hosts to a browser).</summary>
    internal static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl);

    private async Task SignOutAsync(ServerSession session, string reason)
    {
        var cancellationToken = Context.RequestAborted;
        await session.LoadAsync(cancellationToken);
        var user = PassportUser.Read(session.Lifecycle.Contents.Values!);
        var id = session.Id;
        var stored = session.Lifecycle.Contents.FromStore;
        await session.DestroyAsync(cancellationToken);
        if (stored)
        {
            runtime.Logger.SignedOut(new SessionLogId(id));
            runtime.Metrics.SignOuts.Add(1, new KeyValuePair<string, object?>(SessionMetrics.SignOutReasonTag, reason));
        }

        if (user is not null)
        {
            try
            {
                await indexing.RemoveAsync(user, id, cancellationToken);
            }
            catch (SessionStoreException ex)
            {
                // The session is gone, so its entry is dropped when the user's sessions are next listed.
                runtime.Logger.IndexNotUpdated(ex, new SessionLogId(id));
            }
        }
    }

    private async ValueTask<SignedInSession?> SignedInUserAsync(ServerSession session)
    {
        var lifecycle = session.Lifecycle;
        if (lifecycle.IsLoaded)
        {
            return FromLoaded(session);
        }

        if (await lifecycle.Peek.ReadAsync(Context.RequestAborted) is not { } record)
        {
            return null;
        }

        if (SessionPayload.TryParse(record.Payload.Span) is not { } payload)
        {
            return null; // corrupt: anonymous here; a load reports it
        }

        return !SessionExpiry.IsPastAbsoluteTimeout(runtime.Options, runtime.Time.GetUtcNow(), payload.CreatedUnixMs)
            && PassportUser.Read(payload.Values) is { } user
            ? new SignedInSession(lifecycle.Peek.Cookie.Id!, user, payload.Values, record.Expires)
            : null;
    }

    // The signed-in user of the loaded session, if it came from the store with one.
    private SignedInSession? FromLoaded(ServerSession session)
    {
        ref readonly var contents = ref session.Lifecycle.Contents;
        return contents.FromStore && PassportUser.Read(contents.Values!) is { } user
            ? new SignedInSession(contents.Id, user, contents.Values!,
                SessionExpiry.InStore(runtime.Options, runtime.Time.GetUtcNow(), contents.MaxAge(runtime.Options), contents.CreatedUnixMs))
            : null;
    }

    private ServerSession RequireSession() =>
        Context.Features.Get<ISessionFeature>() as ServerSession
        ?? throw new InvalidOperationException(
            "The ServerSession authentication scheme needs the request's session: call app.UseServerSessions() before app.UseAuthentication().");

    private ClaimsPrincipal DefaultPrincipal(string user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.NameIdentifier, user)], Scheme.Name));

    private static bool AcceptsHtml(HttpRequest request)
    {
        foreach (var value in request.GetTypedHeaders().Accept)
        {
            if (value.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // The server_sessions.sign_out.reason tag: the app signed the user out, or OnValidateUser rejected the user.
    private static class SignOutReason
    {
        public const string SignOut = "sign_out";
        public const string Rejected = "rejected";
    }

    private readonly record struct SignedInSession(string Id, string User, Dictionary<string, byte[]> Values, DateTimeOffset Expires);
}
