using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>
/// What every request's session shares, resolved once at startup: validated options, the chosen store, the signer
/// (with the configured or generated secret), the clock and the logger.
/// </summary>
internal sealed class SessionRuntime : IAsyncDisposable, IDisposable
{
    public const string MemoryStoreName = "Memory";
    private int _insecureWarned;

    public SessionRuntime(
        IOptions<ServerSessionOptions> options,
        IEnumerable<SessionStoreRegistration> stores,
        IServiceProvider services,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        SessionConfigurationSection? section = null)
    {
        Options = options.Value;
        Time = time;
        Logger = loggerFactory.CreateLogger("ServerSessions");
        var registrations = stores.ToList();
        if (section?.Section is { } configuration)
        {
            var unknown = SessionConfigurationKeys.FindUnknown(configuration, registrations.Select(r => r.Name));
            if (unknown.Count > 0)
            {
                throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(ServerSessionOptions),
                    [$"Unknown session setting(s): {string.Join(", ", unknown)}. Known settings are the properties of ServerSessionOptions " +
                     $"(Secret, Secrets, Name, Cookie:*, Resave, SaveUninitialized, Rolling, Unset, IdleTimeout, AbsoluteTimeout, MaxSessionSize, Store, …) " +
                     $"and the store sections {string.Join(", ", registrations.Select(r => r.Name).Distinct())}."]);
            }
        }

        var chosen = ChooseStore(Options.Store, registrations);
        Signer = new CookieSigner(ResolveSecrets(chosen));
        VerifiedCookies = new VerifiedCookies(Signer);
        Store = chosen.Factory(services);
        GuardedStore = new GuardedStore(Store, Options.StoreTimeout, time);
    }

    public ServerSessionOptions Options { get; }

    public IServerSessionStore Store { get; }

    /// <summary>The store as the session calls it: bounded, faults as <see cref="SessionStoreException"/>.</summary>
    public GuardedStore GuardedStore { get; }

    public CookieSigner Signer { get; }

    public VerifiedCookies VerifiedCookies { get; }

    public TimeProvider Time { get; }

    public SessionLocks Locks { get; } = new();

    public ILogger Logger { get; }

    public void WarnSecureCookieOverHttpOnce()
    {
        if (Interlocked.Exchange(ref _insecureWarned, 1) == 0)
        {
            Logger.SecureCookieOverHttp();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Stores that write behind (SQLite's writer) flush pending writes here, on graceful shutdown.
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    // Hosts dispose asynchronously; a container disposed synchronously must still flush the store, so wait for it here.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static SessionStoreRegistration ChooseStore(string? name, List<SessionStoreRegistration> registrations)
    {
        SessionStoreRegistration? chosen;
        if (!string.IsNullOrEmpty(name))
        {
            chosen = registrations.LastOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException(
                    $"Session:Store is '{name}', but no such store is registered. Registered: {string.Join(", ", registrations.Select(r => r.Name).Distinct())}.");
        }
        else
        {
            var others = registrations.Where(r => !string.Equals(r.Name, MemoryStoreName, StringComparison.OrdinalIgnoreCase)).ToList();
            chosen = others.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() switch
            {
                0 => registrations.Last(r => string.Equals(r.Name, MemoryStoreName, StringComparison.OrdinalIgnoreCase)),
                1 => others[^1],
                _ => throw new InvalidOperationException(
                    $"Several session stores are registered ({string.Join(", ", others.Select(r => r.Name))}); choose one with Session:Store."),
            };
        }

        return chosen;
    }

    private List<string> ResolveSecrets(SessionStoreRegistration store)
    {
        if (Options.Secrets is { Count: > 0 } secrets)
        {
            return [.. secrets];
        }

        if (Options.Secret is { Length: > 0 } secret)
        {
            return [secret];
        }

        if (store.Shared)
        {
            throw new InvalidOperationException(
                $"The '{store.Name}' session store is shared between app instances, so Session:Secret (or Session:Secrets) must be " +
                "set, the same on every instance: a generated secret would differ per instance, and no instance would accept " +
                "another's cookies.");
        }

        if (Options.SecretFile is { Length: > 0 } path)
        {
            Logger.GeneratedSecret(Path.GetFullPath(path));
            return [SecretFile.LoadOrCreate(path)];
        }

        Logger.EphemeralSecret();
        return [Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))];
    }
}

/// <summary>The configuration section the options were bound from, kept to check it for misspelled keys.</summary>
internal sealed record SessionConfigurationSection(IConfiguration? Section);
