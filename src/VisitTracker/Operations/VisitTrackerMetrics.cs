using System.Diagnostics.Metrics;

namespace VisitTracker.Operations;

/// <summary>
/// VisitTracker's own meter, beside ServerSessions' and ASP.NET Core's: the requests its sign-in limits refuse
/// (<c>visit_tracker.requests.refused</c>, tagged <c>visit_tracker.refusal.cause</c> = <c>sign_in_limit</c> or
/// <c>registration_limit</c>). Tags never carry a user name or an address.
/// </summary>
internal sealed class VisitTrackerMetrics
{
    public const string MeterName = "VisitTracker";
    public const string SignInLimit = "sign_in_limit";
    public const string RegistrationLimit = "registration_limit";
    private const string CauseTag = "visit_tracker.refusal.cause";
    private readonly Counter<long> _refused;

    public VisitTrackerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _refused = meter.CreateCounter<long>(
            "visit_tracker.requests.refused", "{request}", "Sign-ins and registrations refused with 429 by VisitTracker's sign-in limits.");
    }

    /// <summary>Counts a refused request; <paramref name="cause"/> is <see cref="SignInLimit"/> or <see cref="RegistrationLimit"/>.</summary>
    public void Refused(string cause)
    {
        if (_refused.Enabled)
        {
            _refused.Add(1, new KeyValuePair<string, object?>(CauseTag, cause));
        }
    }
}
