namespace ServerSessions;

/// <summary>The session authentication scheme's hooks.</summary>
public class ServerSessionAuthenticationEvents
{
    /// <summary>
    /// Called on every request whose session has a signed-in user, before the request is authenticated (Passport's
    /// <c>deserializeUser</c>): look the user up, build the principal, or reject the user (deleted, locked out, their
    /// security stamp changed), which signs the session out. By default the principal carries the serialized user as
    /// its name and <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/>.
    /// </summary>
    public Func<ValidateUserContext, Task> OnValidateUser { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Calls <see cref="OnValidateUser"/>.</summary>
    /// <param name="context">The user to validate.</param>
    /// <returns>A task that completes when the user is validated.</returns>
    public virtual Task ValidateUser(ValidateUserContext context) => OnValidateUser(context);
}
