using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>
/// Which registered store the sessions use: the one <see cref="ServerSessionOptions.Store"/> names; unnamed, the one
/// store registered beside the memory store, or the memory store when there is none.
/// </summary>
/// <remarks>
/// A wrong choice is an <see cref="InvalidOperationException"/> when the runtime is resolved (by <c>UseServerSessions</c>),
/// not an options validation failure: <see cref="ServerSessionOptions.Store"/> is valid in itself, and what it must name
/// depends on the stores the app registered, which the options do not know.
/// </remarks>
internal sealed class SessionStoreChoice
{
    public const string MemoryStoreName = "Memory";

    /// <summary>
    /// The service key the chosen store is registered under. The container creates the store from
    /// <see cref="Registration"/>, so it owns it and disposes it the way it is disposed itself.
    /// </summary>
    public static readonly object StoreKey = new();

    public SessionStoreChoice(IOptions<ServerSessionOptions> options, IEnumerable<SessionStoreRegistration> registrations) =>
        Registration = Choose(options.Value.Store, registrations.ToList());

    public SessionStoreRegistration Registration { get; }

    private static SessionStoreRegistration Choose(string? name, List<SessionStoreRegistration> registrations)
    {
        if (!string.IsNullOrEmpty(name))
        {
            // The last registration of a name wins, as with services.
            return registrations.LastOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException(
                    $"Session:Store is '{name}', but no such store is registered. Registered: {string.Join(", ", registrations.Select(r => r.Name).Distinct())}.");
        }

        var others = registrations.Where(r => !string.Equals(r.Name, MemoryStoreName, StringComparison.OrdinalIgnoreCase)).ToList();
        return others.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() switch
        {
            0 => registrations.Last(r => string.Equals(r.Name, MemoryStoreName, StringComparison.OrdinalIgnoreCase)),
            1 => others[^1],
            _ => throw new InvalidOperationException(
                $"Several session stores are registered ({string.Join(", ", others.Select(r => r.Name))}); choose one with Session:Store."),
        };
    }
}
