using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ServerSessions;

/// <summary>Registers stores for ServerSessions; returned by <c>AddServerSessions</c>.</summary>
public sealed class ServerSessionsBuilder
{
    internal ServerSessionsBuilder(IServiceCollection services, IConfiguration? configuration)
    {
        Services = services;
        Configuration = configuration;
    }

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The <c>Session</c> configuration section, when one was given; a store binds its own sub-section of it.</summary>
    public IConfiguration? Configuration { get; }

    /// <summary>
    /// Registers a store under a name that <see cref="ServerSessionOptions.Store"/> can choose. The name is also the
    /// configuration sub-section the store reads (<c>Session:Sqlite</c>), so it is not reported as a misspelled key.
    /// </summary>
    /// <param name="name">The store's name, such as <c>Sqlite</c>.</param>
    /// <param name="factory">Creates the store, once, when the store is chosen.</param>
    /// <param name="shared">
    /// Whether several app instances share the store (Redis). A shared store requires a configured secret: a generated
    /// one would differ per instance, and no instance would accept another's cookies.
    /// </param>
    /// <returns>This builder.</returns>
    public ServerSessionsBuilder AddStore(string name, Func<IServiceProvider, ISessionStore> factory, bool shared = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new SessionStoreRegistration(name, factory, shared));
        return this;
    }
}
