namespace ServerSessions;

/// <summary>What happens to the stored session when a request calls <see cref="ServerSession.Unset"/> (express-session's <c>unset</c>).</summary>
public enum UnsetBehavior
{
    /// <summary>The stored session is kept as it was; this request's changes are dropped. The default.</summary>
    Keep,

    /// <summary>The stored session is deleted when the request commits.</summary>
    Destroy,
}
