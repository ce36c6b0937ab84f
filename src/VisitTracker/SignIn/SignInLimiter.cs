using System.Threading.RateLimiting;
using VisitTracker.Operations;

namespace VisitTracker.SignIn;

/// <summary>
/// The sign-in and registration limits, on the framework's rate limiters (fixed windows, partitioned by client): a
/// failed sign-in takes a permit per address and per (address, user name); a registration takes one per address. An
/// attempt is refused before any password is checked while a partition has no permit left, so a refused attempt costs
/// no hash either. The failure or registration that uses up a window's last permit is logged, once per window.
/// </summary>
internal sealed class SignInLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _failuresPerAddress;
    private readonly PartitionedRateLimiter<string>? _failuresPerAddressAndUser;
    private readonly PartitionedRateLimiter<string>? _registrationsPerAddress;
    private readonly ILogger _logger;
    private readonly VisitTrackerMetrics? _metrics;

    public SignInLimiter(SignInLimitsOptions options, ILogger<SignInLimiter> logger, VisitTrackerMetrics? metrics = null)
    {
        _logger = logger;
        _metrics = metrics;
        _failuresPerAddress = Create(options.FailuresPerAddress, TimeSpan.FromMinutes(1));
        _failuresPerAddressAndUser = Create(options.FailuresPerAddressAndUser, TimeSpan.FromMinutes(1));
        _registrationsPerAddress = Create(options.RegistrationsPerAddress, TimeSpan.FromHours(1));
    }

    /// <summary>
    /// How long until this client may try to sign in as <paramref name="userName"/> again, or <see langword="null"/> if it
    /// may now; a wait is a refusal, and counted as one.
    /// </summary>
    public TimeSpan? SignInRetryAfter(HttpContext context, string userName)
    {
        var address = ClientAddress.Of(context);
        return Counted(
            Later(Blocked(_failuresPerAddress, address), Blocked(_failuresPerAddressAndUser, AddressAndUser(address, userName))),
            VisitTrackerMetrics.SignInLimit);
    }

    /// <summary>Counts a failed sign-in.</summary>
    public void SignInFailed(HttpContext context, string userName)
    {
        var address = ClientAddress.Of(context);
        if (Take(_failuresPerAddress, address) is { } perAddress)
        {
            _logger.SignInLimitReached(address, nameof(SignInLimitsOptions.FailuresPerAddress), Seconds(perAddress));
        }

        if (Take(_failuresPerAddressAndUser, AddressAndUser(address, userName)) is { } perUser)
        {
            _logger.SignInLimitReached(address, nameof(SignInLimitsOptions.FailuresPerAddressAndUser), Seconds(perUser));
        }
    }

    /// <summary>How long until this client may register again, or <see langword="null"/> if it may now; a wait is a refusal, and counted as one.</summary>
    public TimeSpan? RegistrationRetryAfter(HttpContext context) =>
        Counted(Blocked(_registrationsPerAddress, ClientAddress.Of(context)), VisitTrackerMetrics.RegistrationLimit);

    /// <summary>Counts a registration.</summary>
    public void Registered(HttpContext context)
    {
        var address = ClientAddress.Of(context);
        if (Take(_registrationsPerAddress, address) is { } wait)
        {
            _logger.RegistrationLimitReached(address, Seconds(wait));
        }
    }

    public void Dispose()
    {
        _failuresPerAddress?.Dispose();
        _failuresPerAddressAndUser?.Dispose();
        _registrationsPerAddress?.Dispose();
    }

    private TimeSpan? Counted(TimeSpan? wait, string cause)
    {
        if (wait is not null)
        {
            _metrics?.Refused(cause);
        }

        return wait;
    }

    private static PartitionedRateLimiter<string>? Create(int permits, TimeSpan window) => permits == 0 ? null
        : PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    // Names differing only in case are one user (UserNames), so they count together; no valid name is longer than the cut.
    private static string AddressAndUser(string address, string userName) =>
        address + "\n" + userName[..Math.Min(userName.Length, 2 * Users.UserNames.MaxLength)].ToUpperInvariant();

    // Asking for zero permits answers whether any is left, without taking one.
    private static TimeSpan? Blocked(PartitionedRateLimiter<string>? limiter, string key)
    {
        if (limiter is null)
        {
            return null;
        }

        using var lease = limiter.AttemptAcquire(key, 0);
        return lease.IsAcquired ? null
            : lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter
            : TimeSpan.FromMinutes(1);
    }

    // Takes a permit; when that was the window's last one, how long until the window ends.
    private static TimeSpan? Take(PartitionedRateLimiter<string>? limiter, string key)
    {
        if (limiter is null)
        {
            return null;
        }

        // A fixed window's permits come back when the window ends, not when the lease is disposed.
        using var lease = limiter.AttemptAcquire(key);
        return lease.IsAcquired ? Blocked(limiter, key) : null;
    }

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static TimeSpan? Later(TimeSpan? first, TimeSpan? second) =>
        first is null ? second : second is null ? first : first > second ? first : second;
}
