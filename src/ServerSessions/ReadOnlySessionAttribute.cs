namespace ServerSessions;

/// <summary>
/// Marks a controller, action, Razor Page or minimal API endpoint (<c>.WithMetadata(new ReadOnlySessionAttribute())</c>)
/// that only reads the session. It loads without waiting for other requests of the session and runs beside them;
/// writing to the session there throws. Touching its expiry is allowed.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class ReadOnlySessionAttribute : Attribute
{
}
