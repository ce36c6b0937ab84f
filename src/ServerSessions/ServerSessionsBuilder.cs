using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
    /// Registers a store's options: bound from the store's sub-section of the <c>Session</c> section
    /// (<c>Session:&lt;name&gt;</c>, where a key that no option has is an error), then set by <paramref name="configure"/>.
    /// For a store package's <c>Add…Store</c> method, before <see cref="AddStore"/>.
    /// </summary>
    /// <typeparam name="TOptions">The store's options class.</typeparam>
    /// <param name="name">The store's name, as given to <see cref="AddStore"/>.</param>
    /// <param name="configure">Sets options after the configuration section is applied.</param>
    /// <returns>The options builder, to add validation to.</returns>
    public OptionsBuilder<TOptions> AddStoreOptions<TOptions>(string name, Action<TOptions>? configure = null)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = Services.AddOptions<TOptions>();
        if (Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection(name), binder => binder.ErrorOnUnknownConfiguration = true);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return options;
    }

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
    public ServerSessionsBuilder AddStore(string name, Func<IServiceProvider, IServerSessionStore> factory, bool shared = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new SessionStoreRegistration(name, factory, shared));
        return this;
    }
}
