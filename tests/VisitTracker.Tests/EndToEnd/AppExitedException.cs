namespace VisitTracker.Tests.EndToEnd;

/// <summary>The app exited before it served a request: a startup error, whose message is in the app's output.</summary>
internal sealed class AppExitedException(int exitCode, string message) : Exception(message)
{
    /// <summary>The app's exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
