namespace VisitTracker.SignIn;

/// <summary>VisitTracker's log entries about its sign-in limits (3000–3009). Client addresses appear; users and passwords never.</summary>
internal static partial class SignInLimitLog
{
    [LoggerMessage(3000, LogLevel.Warning,
        "Failed sign-ins from {ClientAddress} reached SignInLimits:{Limit}; its sign-ins are refused with 429 for {RetryAfterSeconds} s.")]
    public static partial void SignInLimitReached(this ILogger logger, string clientAddress, string limit, int retryAfterSeconds);

    [LoggerMessage(3001, LogLevel.Warning,
        "Registrations from {ClientAddress} reached SignInLimits:RegistrationsPerAddress; its registrations are refused with 429 for {RetryAfterSeconds} s.")]
    public static partial void RegistrationLimitReached(this ILogger logger, string clientAddress, int retryAfterSeconds);
}
