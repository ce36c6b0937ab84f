using System.Globalization;

namespace VisitTracker.SignIn;

/// <summary>
/// How many failed sign-ins and registrations a client gets (the <c>SignInLimits</c> settings); <c>0</c> turns a limit
/// off. There is deliberately no limit per user name alone: a stranger could use it to lock a user out from everywhere.
/// </summary>
internal sealed class SignInLimitsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SignInLimits";

    /// <summary>Failed sign-ins per client address per minute, whatever the names tried. Default 30.</summary>
    public int FailuresPerAddress { get; set; } = 30;

    /// <summary>Failed sign-ins per client address and user name per minute. Default 10.</summary>
    public int FailuresPerAddressAndUser { get; set; } = 10;

    /// <summary>Registrations (and attempts at a taken name) per client address per hour. Default 30.</summary>
    public int RegistrationsPerAddress { get; set; } = 30;

    /// <summary>Reads the section: each setting a whole number from 0; anything else, or an unknown key, stops the app.</summary>
    public static SignInLimitsOptions From(IConfiguration configuration)
    {
        var options = new SignInLimitsOptions();
        var known = new Dictionary<string, Action<int>>(StringComparer.OrdinalIgnoreCase)
        {
            [nameof(FailuresPerAddress)] = value => options.FailuresPerAddress = value,
            [nameof(FailuresPerAddressAndUser)] = value => options.FailuresPerAddressAndUser = value,
            [nameof(RegistrationsPerAddress)] = value => options.RegistrationsPerAddress = value,
        };
        foreach (var setting in configuration.GetSection(Section).GetChildren())
        {
            if (!known.TryGetValue(setting.Key, out var set))
            {
                throw new InvalidOperationException(
                    $"Unknown setting {setting.Path}: the sign-in limits are {Section}:{string.Join($", {Section}:", known.Keys)}.");
            }

            if (!int.TryParse(setting.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw new InvalidOperationException(
                    $"{setting.Path} '{setting.Value}' is not a whole number from 0: give how many are allowed, or 0 to turn the limit off.");
            }

            set(value);
        }

        return options;
    }
}
