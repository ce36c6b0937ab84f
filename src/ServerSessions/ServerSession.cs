using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Net.Http.Headers;

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
    private const int MaxCookieValueChars = 4096;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly HttpContext _context;
    private readonly SessionRuntime _runtime;
    private Task? _loading;
    private bool _loaded;
    private string? _cookieId;        // the verified ID the request's cookie carried (whether or not the store had it)
    private bool _resignCookie;       // the cookie was signed with an older secret
    private string _id = string.Empty;
    private string? _storedId;        // the ID under which the store holds this session, if it does
    private Dictionary<string, byte[]> _values = [];
    private long _createdUnixMs;
    private TimeSpan? _maxAge;
    private bool _maxAgeOverridden;
    private bool _fromStore;
    private bool _modified;           // changed since loaded or started (express's isModified)
    private bool _saved;              // the store holds exactly this state (express's isSaved)
    private bool _hasSavedState;      // loaded with Resave off, or saved explicitly (express's savedHash)
    private bool _destroyed;
    private bool _unset;
    private bool _touchRequested;     // Touch(): move the store's expiry at commit
    private bool _touchCookie;        // Touch(): send the cookie again when it has a MaxAge
    private bool _outsidePath;        // the request is outside Cookie.Path: the session is never stored
    private bool _storeWritten;       // written or touched during this request already
    private bool _completed;
    private string? _lockedId;        // the session this request holds the lock of (Serialized concurrency)
    private HeldLease? _lease;        // this request's lease in a shared store (IServerSessionLeaseStore)
    private string? _releasedLeaseId; // the session whose lease this request gave up early, with the result filter's commit
    private HashSet<string>? _lateChanges; // keys changed since then, applied onto the stored session at the next save
    private bool _lateMaxAge;         // MaxAge changed since then
    private string? _sentCookie;

    internal ServerSession(HttpContext context, SessionRuntime runtime)
    {
        _context = context;
        _runtime = runtime;
    }

    /// <summary>The session ID. Changes on <see cref="RegenerateAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public string Id
    {
        get
        {
            EnsureLoaded();
            return _id;
        }
    }

    /// <summary>Whether this session started with this request (no stored session was found for the cookie).</summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public bool IsNew
    {
        get
        {
            EnsureLoaded();
            return !_fromStore;
        }
    }

    /// <summary>Whether the session has been loaded for this request.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>Whether this request may only read the session (<see cref="ReadOnlySessionAttribute"/>).</summary>
    public bool IsReadOnly { get; internal set; }

    /// <summary>The names of the session's values.</summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public IEnumerable<string> Keys
    {
        get
        {
            EnsureReadable();
            return _values.Keys.ToArray();
        }
    }

    /// <summary>
    /// How long this session's cookie lives in the browser from each response that sets it ("remember me"), overriding
    /// <see cref="SessionCookieOptions.MaxAge"/>; <see langword="null"/> makes it a browser-session cookie. Kept with the session.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session is not loaded.</exception>
    public TimeSpan? MaxAge
    {
        get
        {
            EnsureReadable();
            return _maxAge;
        }

        set
        {
            EnsureWritable();
            if (value is { } positive && positive <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "MaxAge must be positive, or null for a browser-session cookie.");
            }

            if (_maxAge != value || !_maxAgeOverridden)
            {
                _maxAge = value;
                _maxAgeOverridden = true;
                _lateMaxAge = _releasedLeaseId is not null;
                MarkModified();
            }
        }
    }

    bool ISession.IsAvailable => _loaded && !_unset;

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
    // and exception filters: there the result filter commits.
    static void IEndpointParameterMetadataProvider.PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
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
    public Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (_loaded)
        {
            return Task.CompletedTask;
        }

        if (_loading is null || _loading.IsFaulted || _loading.IsCanceled)
        {
            _loading = LoadCoreAsync(cancellationToken);
        }

        return _loading;
    }

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
        EnsureReadable();
        if (!_values.TryGetValue(key, out var raw))
        {
            value = default;
            return false;
        }

        try
        {
            value = JsonSerializer.Deserialize<T>(raw, _runtime.Options.JsonSerializerOptions)!;
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
        SetRaw(key, JsonSerializer.SerializeToUtf8Bytes(value, _runtime.Options.JsonSerializerOptions));
    }

    /// <summary>Removes a value.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether there was a value to remove.</returns>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureWritable();
        if (_values.Remove(key))
        {
            MarkModified(key);
            return true;
        }

        return false;
    }

    /// <summary>Removes every value; the session itself (its ID and cookie) stays.</summary>
    public void Clear()
    {
        EnsureWritable();
        if (_values.Count > 0)
        {
            foreach (var key in _values.Keys)
            {
                MarkModified(key);
            }

            _values.Clear();
        }
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
        var oldId = _id;
        await DestroyStoredAsync(cancellationToken);
        _id = SessionIds.New();
        _createdUnixMs = Now().ToUnixTimeMilliseconds();
        if (clearData)
        {
            _values = [];
        }

        _hasSavedState = false;
        MarkModified();
        _runtime.Logger.SessionRegenerated(new SessionLogId(oldId), new SessionLogId(_id));
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
        _runtime.Logger.SessionDestroyed(new SessionLogId(_id));
        await DestroyStoredAsync(cancellationToken);
        StartNew();
        _destroyed = true;
    }

    /// <summary>
    /// Commits the session now (saves it, sets the cookie) and lets the next request of this session go on, before
    /// slow work that doesn't need the session. Changing the session afterwards throws.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store's write.</param>
    /// <returns>A task that completes when the session is committed.</returns>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureLoaded();
        await CommitAsync(cancellationToken);
        Finish();
    }

    /// <summary>Reads the session again from the store, dropping this request's unsaved changes.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A task that completes when the session is reloaded.</returns>
    /// <exception cref="SessionDataException">The session is no longer in the store.</exception>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        var record = _storedId is null ? null : await GetFromStoreAsync(_storedId, cancellationToken);
        if (record is null)
        {
            throw new SessionDataException("The session cannot be reloaded: it is no longer in the store (expired, destroyed or never saved).");
        }

        Apply(SessionPayload.Parse(record.Value.Payload.Span));
        _modified = false;
        _saved = !_runtime.Options.Resave;
        _hasSavedState = _saved;
    }

    /// <summary>Writes the session to the store now, whether or not it changed. The end-of-request commit won't write it again unless it changes.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the store has the session.</returns>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await WriteAsync(Now(), cancellationToken);
    }

    /// <summary>
    /// Restarts the session's expiry: the store's at commit, and the cookie's when it has a MaxAge (the cookie is then
    /// sent again, as with <see cref="ServerSessionOptions.Rolling"/>, for this response).
    /// </summary>
    public void Touch()
    {
        EnsureReadable();
        _touchRequested = _touchCookie = true;
    }

    /// <summary>
    /// Detaches the session from this request (express-session's <c>req.session = null</c>): nothing of this request
    /// is saved, and the stored session is kept or deleted as <see cref="ServerSessionOptions.Unset"/> says.
    /// </summary>
    public void Unset()
    {
        EnsureWritable();
        _unset = true;
    }

    bool ISession.TryGetValue(string key, [NotNullWhen(true)] out byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureReadable();
        if (!_values.TryGetValue(key, out var raw))
        {
            value = null;
            return false;
        }

        value = RawJsonToBytes(raw);
        return true;
    }

    void ISession.Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        SetRaw(key, BytesToRawJson(value));
    }

    void ISession.Remove(string key) => Remove(key);

    Task ISession.CommitAsync(CancellationToken cancellationToken) => _loaded ? SaveAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Applies express-session's end-of-request rules: save, touch or leave the store; set, re-sign or clear the cookie.
    /// Runs before the result executes and again when the response starts; each run does only what is still pending.
    /// The store's lease is given up with the first save (or right after, when there is nothing to save), so other nodes
    /// wait no longer than needed and a leased request costs the store two operations, like an unleased one; a later change
    /// of this request (TempData after the result) takes the lease again and is applied onto the stored session.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store's operations.</param>
    internal async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (!_loaded || _completed)
        {
            return;
        }

        await CommitCoreAsync(cancellationToken);
        if (_lease is { } lease)
        {
            _lease = null;
            _releasedLeaseId = lease.Id;
            await lease.ReleaseAsync(cancellationToken);
        }
    }

    private async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        var options = _runtime.Options;
        var response = _context.Response;
        if (!response.HasStarted)
        {
            response.Headers.CacheControl = "no-store";
        }

        if (_outsidePath)
        {
            return;
        }

        if (_unset)
        {
            if (options.Unset == UnsetBehavior.Destroy)
            {
                await DestroyStoredAsync(cancellationToken);
            }

            return;
        }

        var now = Now();
        var shouldSave = _destroyed || (!options.SaveUninitialized && !_hasSavedState && _cookieId != _id)
            ? _modified && !_saved
            : !_saved;
        // A read-only request holds no lock: saving its copy back (Resave) could overwrite a change made meanwhile, so it only
        // moves the expiry.
        if (shouldSave && !(IsReadOnly && _storedId == _id))
        {
            await WriteAsync(now, cancellationToken, releaseLease: true);
        }
        else if (_cookieId == _id && _storedId == _id && (!_storeWritten || _touchRequested))
        {
            await TouchStoreAsync(now, cancellationToken);
        }

        UpdateCookie(now);
    }

    /// <summary>Ends this request's use of the session: nothing more is written, and the next request may have it.</summary>
    internal void Finish()
    {
        _completed = true;

        // A failed or aborted request: release in the background (the lease lapses by itself if this fails too).
        _lease?.Abandon();
        _lease = null;

        if (_lockedId is not null)
        {
            _runtime.Locks.Release(_lockedId);
            _lockedId = null;
        }
    }

    internal async Task OnResponseStartingAsync()
    {
        try
        {
            await CommitAsync();
        }
        catch (Exception ex)
        {
            // Too late for a clean error page: the response is on its way. Fail it rather than report success for an
            // unsaved change; the server turns this into a 500 or an aborted connection.
            _runtime.Logger.CommitFailedAtResponseStart(ex);
            throw;
        }
        finally
        {
            Finish();
        }
    }

    private async Task LoadCoreAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var options = _runtime.Options;
        if (!IsWithinCookiePath())
        {
            // express-session ignores requests outside cookie.path: the browser would never send the cookie back, so
            // storing a session here would only leave an orphan record. The endpoint gets an empty session that is
            // never stored.
            _outsidePath = true;
            StartNew();
            _loaded = true;
            return;
        }

        Span<char> decoded = stackalloc char[256];
        if (CookieHeaderParser.TryFind(_context.Request.Headers.Cookie, options.Name, decoded, out var raw))
        {
            if (raw.Length > MaxCookieValueChars)
            {
                _runtime.Logger.CookieRejected("oversized");
            }
            else if (!_runtime.VerifiedCookies.TryVerify(raw, out var id, out var current))
            {
                _runtime.Logger.CookieRejected(raw.StartsWith("s:", StringComparison.Ordinal) ? "bad signature" : "unsigned");
            }
            else if (!SessionIds.IsWellFormed(id))
            {
                _runtime.Logger.CookieRejected("malformed id");
            }
            else
            {
                _cookieId = id;
                _resignCookie = !current;
            }
        }

        IServerSessionLeaseStore? leaseStore = null;
        var waitDeadline = Now() + options.LockTimeout;
        if (_cookieId is not null && options.Concurrency == SessionConcurrency.Serialized && !IsReadOnly)
        {
            // Requests of this session on this node queue fairly here first; only the head of the queue contends for the
            // store's lease with other nodes.
            // A load retried after a failure (the store's, or a corrupt record's) already holds the lock and maybe the lease:
            // it must not wait for itself.
            if (_lockedId != _cookieId)
            {
                await _runtime.Locks.AcquireAsync(_cookieId, options.LockTimeout, _runtime.Time, cancellationToken);
                _lockedId = _cookieId;
            }

            leaseStore = _runtime.Store as IServerSessionLeaseStore;
        }

        SessionRecord? found = null;
        if (leaseStore is not null)
        {
            if (_lease is { } failedLoads)
            {
                _lease = null;
                await failedLoads.ReleaseAsync(cancellationToken);
            }

            (_lease, found) = await HeldLease.AcquireAsync(_runtime, leaseStore, _cookieId!, waitDeadline, cancellationToken);
        }
        else if (_cookieId is not null)
        {
            found = await GetFromStoreAsync(_cookieId, cancellationToken);
        }

        if (_cookieId is not null && found is { } record)
        {
            var payload = SessionPayload.Parse(record.Payload.Span);
            var now = Now();
            if (options.AbsoluteTimeout is { } absolute && payload.CreatedUnixMs > 0
                && now >= DateTimeOffset.FromUnixTimeMilliseconds(payload.CreatedUnixMs) + absolute)
            {
                _runtime.Logger.SessionPastAbsoluteTimeout(new SessionLogId(_cookieId));
                _storedId = _cookieId;
                await DestroyStoredAsync(cancellationToken);
                StartNew();
            }
            else
            {
                _id = _storedId = _cookieId;
                Apply(payload);
                _fromStore = true;
                _saved = _hasSavedState = !options.Resave;
                _runtime.Logger.SessionLoaded(new SessionLogId(_id));
            }
        }
        else
        {
            if (_cookieId is not null)
            {
                _runtime.Logger.SessionNotFound(new SessionLogId(_cookieId));
            }

            StartNew();
        }

        _loaded = true;
        _context.Response.OnStarting(static state => ((ServerSession)state).OnResponseStartingAsync(), this);
    }

    private bool IsWithinCookiePath()
    {
        var request = _context.Request;
        var path = request.PathBase.Add(request.Path).Value;
        return string.IsNullOrEmpty(path)
            ? _runtime.Options.Cookie.Path == "/"
            : path.StartsWith(_runtime.Options.Cookie.Path, StringComparison.Ordinal);
    }

    private void StartNew()
    {
        _id = SessionIds.New();
        _values = [];
        _createdUnixMs = Now().ToUnixTimeMilliseconds();
        _maxAge = _runtime.Options.Cookie.MaxAge;
        _maxAgeOverridden = false;
        _fromStore = false;
        _modified = false;
        _saved = false;
        _hasSavedState = false;
        _runtime.Logger.SessionStarted(new SessionLogId(_id));
    }

    private void Apply(SessionPayload payload)
    {
        _values = payload.Values;
        _createdUnixMs = payload.CreatedUnixMs > 0 ? payload.CreatedUnixMs : Now().ToUnixTimeMilliseconds();
        _maxAgeOverridden = payload.MaxAgeMs is not null;
        _maxAge = payload.MaxAgeMs is { } ms ? (ms > 0 ? TimeSpan.FromMilliseconds(ms) : null) : _runtime.Options.Cookie.MaxAge;
    }

    private async Task WriteAsync(DateTimeOffset now, CancellationToken cancellationToken, bool releaseLease = false)
    {
        if (_releasedLeaseId == _id && !await RebaseAsync(cancellationToken))
        {
            return;
        }

        long? maxAgeMs = _maxAgeOverridden ? (long?)(_maxAge?.TotalMilliseconds ?? 0) : null;
        var payload = SessionPayload.Serialize(_values, _createdUnixMs, maxAgeMs);
        if (payload.Length > _runtime.Options.MaxSessionSize)
        {
            throw new SessionDataException(
                $"The session is {payload.Length} bytes, over Session:MaxSessionSize ({_runtime.Options.MaxSessionSize}); it was not saved and the stored session is unchanged.");
        }

        var record = new SessionRecord(payload, StoreExpiry(now));
        if (_lease is { } lease && lease.Id == _id)
        {
            await lease.SaveAsync(record, releaseLease, cancellationToken);
            if (releaseLease)
            {
                _lease = null;
                _releasedLeaseId = lease.Id;
            }
        }
        else
        {
            try
            {
                await _runtime.Bounded(_runtime.Store.SetAsync(_id, record, cancellationToken));
            }
            catch (Exception ex) when (SessionRuntime.IsStoreFault(ex, cancellationToken))
            {
                throw new SessionStoreException("The session store failed to save the session.", ex);
            }
        }

        _storedId = _id;
        _saved = _hasSavedState = true;
        _storeWritten = true;
        _runtime.Logger.SessionStored(new SessionLogId(_id), payload.Length);
    }

    // This request gave the lease up with an earlier commit (the result filter's) and has changed the session since
    // (TempData after the result): take the lease again and apply those changes onto what is stored now, so a request of
    // another node that ran in between keeps its own. Returns false, saving nothing, if the session is gone by then
    // (destroyed by that request, or expired): a late change must not bring it back.
    private async Task<bool> RebaseAsync(CancellationToken cancellationToken)
    {
        var store = (IServerSessionLeaseStore)_runtime.Store;
        var (lease, record) = await HeldLease.AcquireAsync(_runtime, store, _id, Now() + _runtime.Options.LockTimeout, cancellationToken);
        _lease = lease;
        _releasedLeaseId = null;
        var changes = _lateChanges;
        _lateChanges = null;
        if (record is null)
        {
            _runtime.Logger.LateChangeDropped(new SessionLogId(_id));
            _lease = null;
            await lease.ReleaseAsync(cancellationToken);
            _modified = false;
            _saved = true;
            return false;
        }

        var (values, maxAge, maxAgeOverridden) = (_values, _maxAge, _maxAgeOverridden);
        Apply(SessionPayload.Parse(record.Value.Payload.Span));
        foreach (var key in changes ?? [])
        {
            if (values.TryGetValue(key, out var value))
            {
                _values[key] = value;
            }
            else
            {
                _values.Remove(key);
            }
        }

        if (_lateMaxAge)
        {
            (_maxAge, _maxAgeOverridden, _lateMaxAge) = (maxAge, maxAgeOverridden, false);
        }

        return true;
    }

    // A touch goes to the store unleased: it only moves the expiry of whatever is stored, so it cannot bring back data a
    // newer write replaced.
    private async Task TouchStoreAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await _runtime.Bounded(_runtime.Store.TouchAsync(_id, StoreExpiry(now), cancellationToken));
        }
        catch (Exception ex) when (SessionRuntime.IsStoreFault(ex, cancellationToken))
        {
            throw new SessionStoreException("The session store failed to touch the session.", ex);
        }

        _storeWritten = true;
        _touchRequested = false;
    }

    private async ValueTask<SessionRecord?> GetFromStoreAsync(string id, CancellationToken cancellationToken)
    {
        SessionRecord? record;
        try
        {
            record = await _runtime.Bounded(_runtime.Store.GetAsync(id, cancellationToken));
        }
        catch (Exception ex) when (SessionRuntime.IsStoreFault(ex, cancellationToken))
        {
            throw new SessionStoreException("The session store failed to load the session.", ex);
        }

        // The contract says stores hide expired sessions; don't trust a clock-skewed one to.
        return record is { } r && r.Expires > Now() ? r : null;
    }

    private async Task DestroyStoredAsync(CancellationToken cancellationToken)
    {
        if (_storedId is null)
        {
            return;
        }

        // Under a lease the delete checks it too, like a save: a holder whose lease lapsed must not delete (destroy, regenerate)
        // what a newer holder wrote.
        if (_lease is { } lease && lease.Id == _storedId)
        {
            await lease.SaveAsync(new SessionRecord(ReadOnlyMemory<byte>.Empty, DateTimeOffset.MinValue), release: false, cancellationToken);
        }
        else
        {
            try
            {
                await _runtime.Bounded(_runtime.Store.DestroyAsync(_storedId, cancellationToken));
            }
            catch (Exception ex) when (SessionRuntime.IsStoreFault(ex, cancellationToken))
            {
                throw new SessionStoreException("The session store failed to delete the session.", ex);
            }
        }

        _storedId = null;
        _saved = false;
    }

    private void UpdateCookie(DateTimeOffset now)
    {
        var options = _runtime.Options;
        var response = _context.Response;
        if (response.HasStarted)
        {
            return;
        }

        bool send;
        if (_destroyed)
        {
            send = _modified;
        }
        else if (_cookieId != _id)
        {
            send = options.SaveUninitialized || _modified;
        }
        else
        {
            send = options.Rolling || _resignCookie || (_maxAge is not null && (_modified || _touchCookie));
        }

        var https = _context.Request.IsHttps;
        var secure = options.Cookie.Secure switch
        {
            CookieSecure.True => true,
            CookieSecure.Auto => https,
            _ => false,
        };
        var sameSite = options.Cookie.SameSite == CookieSameSite.Auto
            ? (https ? CookieSameSite.None : CookieSameSite.Lax)
            : options.Cookie.SameSite;
        string? header = null;
        if (send)
        {
            if (secure && !https)
            {
                _runtime.WarnSecureCookieOverHttpOnce();
                return;
            }

            var expires = _maxAge is { } maxAge ? Cap(now + maxAge) : (DateTimeOffset?)null;
            header = SessionCookieWriter.Format(options.Name, _runtime.Signer, _id, options.Cookie, expires, secure, sameSite);
        }
        else if (_destroyed && _cookieId is not null)
        {
            header = SessionCookieWriter.FormatCleared(options.Name, options.Cookie, secure, sameSite);
        }

        if (header is null || header == _sentCookie)
        {
            return;
        }

        var headers = response.Headers;
        if (_sentCookie is not null)
        {
            // A later commit of this request replaces the cookie an earlier one set (e.g. TempData written after the result).
            headers.SetCookie = new([.. headers.SetCookie.Where(v => v != _sentCookie)]);
        }

        headers.Append(HeaderNames.SetCookie, header);
        _sentCookie = header;
    }

    private DateTimeOffset StoreExpiry(DateTimeOffset now)
    {
        var options = _runtime.Options;
        var idle = options.IdleTimeout ?? _maxAge ?? SessionRuntime.DefaultIdleTimeout;
        var expires = now + idle;
        if (_maxAge is { } maxAge && now + maxAge < expires)
        {
            expires = now + maxAge;
        }

        return Cap(expires);
    }

    private DateTimeOffset Cap(DateTimeOffset expires)
    {
        if (_runtime.Options.AbsoluteTimeout is { } absolute)
        {
            var deadline = DateTimeOffset.FromUnixTimeMilliseconds(_createdUnixMs) + absolute;
            return deadline < expires ? deadline : expires;
        }

        return expires;
    }

    private void SetRaw(string key, byte[] json)
    {
        if (SessionPayload.IsReserved(key))
        {
            throw new ArgumentException($"'{key}' is reserved by ServerSessions; use another name.", nameof(key));
        }

        EnsureWritable();
        if (_values.TryGetValue(key, out var existing) && existing.AsSpan().SequenceEqual(json))
        {
            return;
        }

        _values[key] = json;
        MarkModified(key);
    }

    private void MarkModified(string? key = null)
    {
        _modified = true;
        _saved = false;
        if (key is not null && _releasedLeaseId is not null)
        {
            (_lateChanges ??= new(StringComparer.Ordinal)).Add(key);
        }
    }

    private DateTimeOffset Now() => _runtime.Time.GetUtcNow();

    // ISession speaks bytes. Bytes that are UTF-8 text (SetString, TempData's JSON) are kept as a JSON string, so
    // Get<string> reads them; anything else as {"$binary": base64}. A typed value reads back as its JSON text.
    private static byte[] BytesToRawJson(byte[] value)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(StrictUtf8.GetString(value));
        }
        catch (DecoderFallbackException)
        {
            return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["$binary"] = Convert.ToBase64String(value) });
        }
    }

    private static byte[] RawJsonToBytes(byte[] raw)
    {
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return Encoding.UTF8.GetBytes(reader.GetString()!);
        }

        if (reader.TokenType == JsonTokenType.StartObject
            && JsonSerializer.Deserialize<Dictionary<string, string>>(raw) is { Count: 1 } binary
            && binary.TryGetValue("$binary", out var base64))
        {
            return Convert.FromBase64String(base64);
        }

        return raw;
    }

    private void EnsureLoaded()
    {
        if (!_loaded)
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
        if (_unset)
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

        if (_completed || _context.Response.HasStarted)
        {
            throw new InvalidOperationException(
                "The response has started, so this session change could no longer be saved. Change the session before the response starts.");
        }
    }
}
