using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerSessions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ServerSessions.</summary>
public static class ServerSessionsServiceCollectionExtensions
{
    /// <summary>Registers ServerSessions configured in code, with the memory store.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to register other stores on.</returns>
    public static ServerSessionsBuilder AddServerSessions(this IServiceCollection services, Action<ServerSessionOptions>? configure = null) =>
        AddCore(services, null, configure);

    /// <summary>
    /// Registers ServerSessions with options from a configuration section (<c>Session</c> by convention): first
    /// <paramref name="configure"/> sets the app's defaults, then the section overrides them. A key in the section that
    /// no option has is a startup error.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="section">The configuration section, e.g. <c>builder.Configuration.GetSection("Session")</c>.</param>
    /// <param name="configure">Sets the app's defaults before the section is applied.</param>
    /// <returns>A builder to register other stores on.</returns>
    public static ServerSessionsBuilder AddServerSessions(this IServiceCollection services, IConfiguration section, Action<ServerSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddCore(services, section, configure);
    }

    private static ServerSessionsBuilder AddCore(IServiceCollection services, IConfiguration? section, Action<ServerSessionOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ServerSessionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (section is not null)
        {
            options.Bind(section);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerSessionOptions>, ServerSessionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerSessionOptions>, UnknownSessionSettingsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerSessionOptions>, SigningSecretValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerSessionOptions>, BrowserCookieRulesValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SessionMetrics>();
        services.TryAddSingleton(new SessionConfigurationSection(section));
        services.TryAddSingleton<SessionStoreChoice>();

        // The container creates the chosen store, so it owns it: a graceful shutdown (the host disposes the container
        // asynchronously) calls the store's DisposeAsync, a container disposed synchronously its Dispose, and nothing
        // in between has to turn one into the other.
        services.TryAddKeyedSingleton<IServerSessionStore>(SessionStoreChoice.StoreKey, static (sp, _) => sp.GetRequiredService<SessionStoreChoice>().Registration.Factory(sp));
        services.TryAddSingleton<SessionRuntime>(CreateRuntime);
        services.TryAddSingleton(static sp => new NewSessionLimiter(
            sp.GetRequiredService<IOptions<ServerSessionOptions>>().Value.NewSessionLimit,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("ServerSessions"),
            sp.GetRequiredService<SessionMetrics>()));

        var builder = new ServerSessionsBuilder(services, section);
        builder.AddStoreOptions<MemorySessionStoreOptions>(SessionStoreChoice.MemoryStoreName);
        builder.AddStore(SessionStoreChoice.MemoryStoreName, sp => new MemorySessionStore(
            sp.GetRequiredService<IOptions<MemorySessionStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MemorySessionStore>>(),
            sp.GetRequiredService<SessionMetrics>()));

        services.Configure<MvcOptions>(mvc =>
        {
            mvc.Filters.Add(new SessionCommitFilter());
            mvc.Conventions.Add(new SessionParameterConvention());
            mvc.ModelBinderProviders.Insert(0, new SessionModelBinder());
            mvc.ModelMetadataDetailsProviders.Add(new BindingSourceMetadataProvider(typeof(ServerSession), SessionModelBinder.Source));

            // Model validation would otherwise walk the bound session's properties on every request (Keys copies them).
            mvc.ModelMetadataDetailsProviders.Add(new SuppressChildValidationMetadataProvider(typeof(ServerSession)));
            mvc.ModelMetadataDetailsProviders.Add(new SuppressChildValidationMetadataProvider(typeof(Microsoft.AspNetCore.Http.ISession)));
        });
        return builder;
    }

    private static SessionRuntime CreateRuntime(IServiceProvider services)
    {
        // In this order, each step's error before the next step's work: the options (validated on first read), the
        // store's name, the secrets (a shared store without one), and only then the store itself, so a configuration
        // error never opens a database first.
        var options = services.GetRequiredService<IOptions<ServerSessionOptions>>().Value;
        var store = services.GetRequiredService<SessionStoreChoice>().Registration;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ServerSessions");
        var signer = new CookieSigner(SessionSecrets.Resolve(options, store, logger));
        return new SessionRuntime(
            options,
            signer,
            services.GetRequiredKeyedService<IServerSessionStore>(SessionStoreChoice.StoreKey),
            store.Name,
            services.GetRequiredService<NewSessionLimiter>(),
            services.GetRequiredService<TimeProvider>(),
            logger,
            services.GetRequiredService<SessionMetrics>());
    }
}
