using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Abstractions;

namespace ServerSessions;

/// <summary>
/// The session of the current request, as a controller sees it (NestJS's <c>@Session()</c>): typed values stored as
/// JSON, express-session's methods as async C#, and ASP.NET Core's <see cref="ISession"/> so that
/// <c>HttpContext.Session.GetString</c> and TempData's session provider work unchanged.
/// </summary>
/// <remarks>
/// The session loads lazily and asynchronously: a request that never uses it never reads the store. It is loaded by a
/// <see cref="FromSessionAttribute"/> parameter, by <see cref="LoadSessionAttribute"/> or <c>WithSession()</c> on the
/// endpoint, or by <c>await HttpContext.LoadSessionAsync()</c>. Synchronous members throw until it is loaded, since
/// loading would block a thread on store I/O. Changes are committed before the response starts. Not thread-safe, like
/// the request it belongs to.
/// </remarks>
public sealed class ServerSession : ISession, ISessionFeature, IEndpointParameterMetadataProvider
{
    private readonly ServerSessionOptions _options;

    internal ServerSession(HttpContext context, SessionRuntime runtime)
    {
        Lifecycle = new SessionLifecycle(context, runtime);
        _options = runtime.Options;
    }

    /// <summary>The request's session behind this API: its contents, its store, its stages.</summary>
    internal SessionLifecycle Lifecycle { get; }

    /// <summary>The session ID. Changes on <see cref="RegenerateAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public string Id
    {
        get
        {
            EnsureLoaded();
            return Lifecycle.Contents.Id;
        }
    }

    /// <summary>Whether this session started with this request (no stored session was found for the cookie).</summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public bool IsNew
    {
        get
        {
            EnsureLoaded();
            return !Lifecycle.Contents.FromStore;
        }
    }

    /// <summary>Whether the session has been loaded for this request.</summary>
    public bool IsLoaded => Lifecycle.IsLoaded;

    /// <summary>Whether this request may only read the session (<see cref="ReadOnlySessionAttribute"/>).</summary>
    public bool IsReadOnly
    {
        get => Lifecycle.IsReadOnly;
        internal set => Lifecycle.IsReadOnly = value;
    }

    /// <summary>The names of the session's values.</summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public IEnumerable<string> Keys
    {
        get
        {
            return Values.Keys.ToArray();
        }
    }

    /// <summary>
    /// How long this session's cookie lives in the browser from each response that sets it ("remember me"), overriding
    /// <see cref="SessionCookieOptions.MaxAge"/>; <see langword="null"/> makes it a browser-session cookie. Kept with the session.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or more than 400 days.</exception>
    public TimeSpan? MaxAge
    {
        get
        {
            EnsureReadable();
            return Lifecycle.Contents.MaxAge(_options);
        }

        set
        {
            EnsureWritable();
            if (value is { } positive && (positive <= TimeSpan.Zero || positive > ServerSessionOptionsValidator.MaxLifetime))
            {
                throw new ArgumentOutOfRangeException(nameof(value), "MaxAge must be positive and at most 400 days (browsers' cap), or null for a browser-session cookie.");
            }

            Lifecycle.SetMaxAge(value);
        }
    }

    bool ISession.IsAvailable => IsLoaded && !Lifecycle.IsUnset;

    ISession ISessionFeature.Session
    {
        get => this;
        set => throw new NotSupportedException("ServerSessions owns the request's session; it cannot be replaced.");
    }

    /// <summary>
    /// Binds a minimal API parameter of this type: the session, loaded. (MVC binds it through <see cref="FromSessionAttribute"/>.)
    /// </summary>
    /// <param name="context">The request.</param>
    /// <returns>The loaded session.</returns>
    public static async ValueTask<ServerSession?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.LoadSessionAsync(context.RequestAborted);
    }

    // A minimal API endpoint that takes the session commits it before its result executes, as WithSession() does, so a
    // failed or refused save (the store is down, the lease lapsed) becomes a 503 rather than a broken response. MVC adds
    // endpoint filters of controller actions too, but runs them around the action method alone, before the app's action
    // and exception filters: there SessionParameterFilter commits, after them.
    internal static readonly LoadSessionAttribute LoadUpFront = new();

    static void IEndpointParameterMetadataProvider.PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        // Loaded by the middleware, before authentication, which then reads the loaded session rather than the store.
        builder.Metadata.Add(LoadUpFront);
        var filter = new SessionCommitFilter();
        builder.FilterFactories.Add((_, next) => invocation =>
            invocation.HttpContext.GetEndpoint()?.Metadata.GetMetadata<ActionDescriptor>() is null
                ? filter.InvokeAsync(invocation, next)
                : next(invocation));
    }

    /// <summary>Loads the session from the store, once per request; later calls return at once.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>A task that completes when the session is loaded.</returns>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionDataException">The stored session is corrupt; it is left untouched.</exception>
    public Task LoadAsync(CancellationToken cancellationToken = default) => Lifecycle.LoadAsync(cancellationToken);

    /// <summary>Reads a value, or <see langword="default"/> when the session has none under that name.</summary>
    /// <typeparam name="T">The value's type, read from JSON.</typeparam>
    /// <param name="key">The value's name (case-sensitive).</param>
    /// <returns>The value, or <see langword="default"/>.</returns>
    /// <exception cref="SessionDataException">The stored value is not a <typeparamref name="T"/>.</exception>
    public T? Get<T>(string key) => TryGet<T>(key, out var value) ? value : default;

    /// <summary>Reads a value if the session has one under that name.</summary>
    /// <typeparam name="T">The value's type, read from JSON.</typeparam>
    /// <param name="key">The value's name (case-sensitive).</param>
    /// <param name="value">The value, when found.</param>
    /// <returns>Whether the session has a value under that name.</returns>
    /// <exception cref="SessionDataException">The stored value is not a <typeparamref name="T"/>.</exception>
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Values.TryGetValue(key, out var raw))
        {
            value = default;
            return false;
        }

        try
        {
            value = JsonSerializer.Deserialize<T>(raw, _options.JsonSerializerOptions)!;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new SessionDataException($"The session value '{key}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Stores a value as JSON. Setting a value equal to the stored one is not a modification.</summary>
    /// <typeparam name="T">The value's type, written as JSON.</typeparam>
    /// <param name="key">The value's name (case-sensitive; <c>cookie</c>, <c>__created</c> and <c>__maxAge</c> are reserved).</param>
    /// <param name="value">The value.</param>
    /// <exception cref="InvalidOperationException">The session is not loaded, or the response has started.</exception>
    public void Set<T>(string key, T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        SetJson(key, JsonSerializer.SerializeToUtf8Bytes(value, _options.JsonSerializerOptions));
    }

    /// <summary>Removes a value.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether there was a value to remove.</returns>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureWritable();
        return Lifecycle.Remove(key);
    }

    /// <summary>Removes every value; the session itself (its ID and cookie) stays.</summary>
    public void Clear()
    {
        EnsureWritable();
        Lifecycle.Clear();
    }

    /// <summary>
    /// Gives the session a new ID and deletes the stored record under the old one, keeping the data unless
    /// <paramref name="clearData"/> (express-session always drops it). Call it when privileges change, e.g. at login,
    /// to defeat session fixation.
    /// </summary>
    /// <param name="clearData">Whether to start the new session empty.</param>
    /// <param name="cancellationToken">Cancels the store's delete.</param>
    /// <returns>A task that completes when the old record is gone.</returns>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionBusyException">
    /// This request's lease on the session lapsed (a shared store) and another request may have changed it since; nothing
    /// was deleted.
    /// </exception>
    public async Task RegenerateAsync(bool clearData = false, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await Lifecycle.RegenerateAsync(clearData, cancellationToken);
    }

    /// <summary>
    /// Deletes the session from the store and tells the browser to drop its cookie. The request goes on with an
    /// empty, new session, stored only if something is written to it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store's delete.</param>
    /// <returns>A task that completes when the record is gone.</returns>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionBusyException">
    /// This request's lease on the session lapsed (a shared store) and another request may have changed it since; nothing
    /// was deleted.
    /// </exception>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await Lifecycle.DestroyAsync(cancellationToken);
    }

    /// <summary>
    /// Commits the session now (saves it, sets the cookie) and lets the next request of this session go on, before
    /// slow work that doesn't need the session. Changing the session afterwards throws.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store's write.</param>
    /// <returns>A task that completes when the session is committed.</returns>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="NewSessionLimitedException">A new session, over <see cref="ServerSessionOptions.NewSessionLimit"/>: nothing was stored.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureLoaded();
        await Lifecycle.CompleteAsync(cancellationToken);
    }

    /// <summary>Reads the session again from the store, dropping this request's unsaved changes.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A task that completes when the session is reloaded.</returns>
    /// <exception cref="SessionDataException">The session is no longer in the store.</exception>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await Lifecycle.ReloadAsync(cancellationToken);
    }

    /// <summary>Writes the session to the store now, whether or not it changed. The end-of-request commit won't write it again unless it changes.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the store has the session.</returns>
    /// <exception cref="NewSessionLimitedException">A new session, over <see cref="ServerSessionOptions.NewSessionLimit"/>: nothing was stored.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await Lifecycle.SaveAsync(cancellationToken);
    }

    /// <summary>
    /// Restarts the session's expiry: the store's at commit, and the cookie's when it has a MaxAge (the cookie is then
    /// sent again, as with <see cref="ServerSessionOptions.Rolling"/>, for this response).
    /// </summary>
    public void Touch()
    {
        EnsureReadable();
        Lifecycle.Touch();
    }

    /// <summary>
    /// Detaches the session from this request (express-session's <c>req.session = null</c>): nothing of this request
    /// is saved, and the stored session is kept or deleted as <see cref="ServerSessionOptions.Unset"/> says.
    /// </summary>
    public void Unset()
    {
        EnsureWritable();
        Lifecycle.Unset();
    }

    bool ISession.TryGetValue(string key, [NotNullWhen(true)] out byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Values.TryGetValue(key, out var raw))
        {
            value = null;
            return false;
        }

        value = SessionBytes.FromJson(raw);
        return true;
    }

    void ISession.Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        SetJson(key, SessionBytes.ToJson(value));
    }

    void ISession.Remove(string key) => Remove(key);

    Task ISession.CommitAsync(CancellationToken cancellationToken) => IsLoaded ? SaveAsync(cancellationToken) : Task.CompletedTask;

    private Dictionary<string, byte[]> Values
    {
        get
        {
            EnsureReadable();
            return Lifecycle.Contents.Values!;
        }
    }

    internal void SetJson(string key, byte[] json)
    {
        if (SessionPayload.IsReserved(key))
        {
            throw new ArgumentException($"'{key}' is reserved by ServerSessions; use another name.", nameof(key));
        }

        EnsureWritable();
        Lifecycle.Set(key, json);
    }

    private void EnsureLoaded()
    {
        if (!IsLoaded)
        {
            throw new InvalidOperationException(
                "The session is not loaded, and loading it here would block a thread on store I/O. Load it before the endpoint " +
                "runs: take it as a [FromSession] parameter, mark the endpoint [LoadSession] (MVC, Razor Pages) or .WithSession() " +
                "(minimal APIs), or call 'await HttpContext.LoadSessionAsync()' first.");
        }
    }

    private void EnsureReadable()
    {
        EnsureLoaded();
        if (Lifecycle.IsUnset)
        {
            throw new InvalidOperationException("The session was unset for this request (Unset()); it can no longer be used.");
        }
    }

    private void EnsureWritable()
    {
        EnsureReadable();
        if (IsReadOnly)
        {
            throw new InvalidOperationException(
                "This endpoint uses the session read-only ([ReadOnlySession]), so it runs beside other requests of the session " +
                "and may not change it. Remove the attribute to write (requests of the session then take turns).");
        }

        if (!Lifecycle.BeginChange())
        {
            throw new InvalidOperationException(
                "The response has started, so this session change could no longer be saved. Change the session before the response starts.");
        }
    }
}

