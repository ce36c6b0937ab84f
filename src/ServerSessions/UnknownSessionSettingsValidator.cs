using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>
/// Rejects keys in the <c>Session</c> section that no option has, so a misspelled setting (<c>Session__Secert</c>)
/// stops the app at startup, with the other invalid settings, instead of being silently ignored. The sub-sections
/// named after registered stores (<c>Session:Sqlite</c>) are left to the stores, which bind them strictly.
/// </summary>
internal sealed class UnknownSessionSettingsValidator(SessionConfigurationSection section, IEnumerable<SessionStoreRegistration> stores)
    : IValidateOptions<ServerSessionOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerSessionOptions options)
    {
        if (section.Section is not { } configuration)
        {
            return ValidateOptionsResult.Skip; // configured in code only: there are no keys to misspell
        }

        var storeNames = stores.Select(store => store.Name).Distinct().ToList();
        var unknown = SessionConfigurationKeys.FindUnknown(configuration, storeNames);
        if (unknown.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(
            $"Unknown session setting(s): {string.Join(", ", unknown)}. Known settings are the properties of ServerSessionOptions " +
            "(Secret, Secrets, Name, Cookie:*, Resave, SaveUninitialized, Rolling, Unset, IdleTimeout, AbsoluteTimeout, MaxSessionSize, Store, NewSessionLimit:*, …) " +
            $"and the store sections {string.Join(", ", storeNames)}.");
    }
}
