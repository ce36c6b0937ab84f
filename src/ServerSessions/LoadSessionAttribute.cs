namespace ServerSessions;

/// <summary>
/// Marks a controller, action or Razor Page whose session must be loaded before it runs, so that synchronous access
/// (<c>HttpContext.Session</c>, TempData's session provider) works. Minimal APIs use <c>WithSession()</c>. Endpoints
/// that take a <see cref="FromSessionAttribute"/> parameter need no mark.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class LoadSessionAttribute : Attribute
{
}
