namespace ServerSessions;

/// <summary>The session authentication scheme's defaults.</summary>
public static class ServerSessionAuthenticationDefaults
{
    /// <summary>The scheme's name: <c>ServerSession</c>.</summary>
    public const string AuthenticationScheme = "ServerSession";
}
