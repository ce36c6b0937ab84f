using Microsoft.AspNetCore.Http;

namespace ServerSessions;

/// <summary>
/// The session as this request holds it, behind <see cref="ServerSession"/>'s API, and the request's walk with it through
/// one explicit lifecycle (<see cref="SessionStage"/>): read the cookie and load once, commit once as
/// <see cref="CommitPlan"/> decides (again only after a later change), release once.
/// </summary>
internal sealed class SessionLifecycle(HttpContext context, SessionRuntime runtime)
{
    private SessionStage _stage;
    private SessionContents _contents;
    private Task? _loading;
    private IncomingSessionCookie _cookie;
    private SessionPeek? _peek;          // authentication's look at the stored session, when it took one
    private SessionTurn? _turn;          // Serialized concurrency: this request's lock and lease on the session
    private string? _storedId;           // the ID under which the store holds this session, if it does
    private ReadOnlyMemory<byte> _storedPayload; // what it holds there, as this request last read or wrote it: a touch applies only while it is unchanged
    private SessionRemoval _removal;
    private bool _touched;               // Touch() was called: the cookie goes out again when it has a MaxAge
    private bool _storeExpiryCurrent;    // the store was written or touched since the last Touch()
    private string? _sentCookie;
    private bool _mayStoreNew;           // the request came with a stored session, or the new-session limit let it store one

    public bool IsLoaded => _contents.Values is not null;

    public bool IsReadOnly { get; set; }

    public bool IsUnset => _removal == SessionRemoval.Unset;

    /// <summary>A look at the stored session without its turn, for authentication; a later load uses what it read when it can.</summary>
    public SessionPeek Peek => _peek ??= new SessionPeek(context, runtime);

    /// <summary>The session's contents; read them only once loaded, change them only through this type.</summary>
    public ref readonly SessionContents Contents => ref _contents;

    public Task LoadAsync(CancellationToken cancellationToken)
    {
        if (IsLoaded)
        {
            return Task.CompletedTask;
        }

        if (_loading is null || _loading.IsFaulted || _loading.IsCanceled)
        {
            _loading = LoadCoreAsync(cancellationToken);
        }

        return _loading;
    }

    /// <summary>
    /// Whether the session may still change: not released, the response not started. A change after the commit (TempData
    /// written as the result executes) makes the session due for another commit.
    /// </summary>
    public bool BeginChange()
    {
        if (_stage == SessionStage.Released || context.Response.HasStarted)
        {
            return false;
        }

        if (_stage == SessionStage.Committed)
        {
            _stage = SessionStage.ChangedAfterCommit;
        }

        return true;
    }

    public void Set(string key, byte[] json) => Changed(_contents.Set(key, json), key);

    public bool Remove(string key) => Changed(_contents.Remove(key), key);

    public void SetMaxAge(TimeSpan? value) => Changed(_contents.SetMaxAge(value), SessionPayload.MaxAgeKey);

    public void Clear()
    {
        foreach (var key in _contents.Values!.Keys)
        {
            _turn?.NoteChange(key);
        }

        _contents.Clear();
    }

    public async Task RegenerateAsync(bool clearData, CancellationToken cancellationToken)
    {
        var oldId = _contents.Id;
        await DestroyStoredAsync(cancellationToken);
        _contents.Regenerate(Now(), clearData);
        runtime.Events.Regenerated(oldId, _contents.Id);
    }

    public async Task DestroyAsync(CancellationToken cancellationToken)
    {
        runtime.Logger.SessionDestroyed(new SessionLogId(_contents.Id));
        await DestroyStoredAsync(cancellationToken);
        StartNew();
        _removal = SessionRemoval.Destroyed;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await CommitAsync(cancellationToken);
        Finish();
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var record = _storedId is null ? null : await runtime.GuardedStore.GetAsync(_storedId, cancellationToken);
        if (record is not { } found)
        {
            throw new SessionDataException("The session cannot be reloaded: it is no longer in the store (expired, destroyed or never saved).");
        }

        if (CorruptSessions.ParseOrReport(runtime, _storedId!, found) is not { } payload)
        {
            await LeaveCorruptAsync(cancellationToken);
            StartNew();
            return;
        }

        _contents.Apply(payload, Now());
        _contents.Reloaded(runtime.Options.Resave);
        _storedPayload = found.Payload;
    }

    public Task SaveAsync(CancellationToken cancellationToken) => WriteAsync(Now(), cancellationToken);

    public void Touch()
    {
        _touched = true;
        _storeExpiryCurrent = false;
        BeginChange();
    }

    public void Unset() => _removal = SessionRemoval.Unset;

    /// <summary>
    /// Commits the session as express-session's rules say (<see cref="CommitPlan"/>): save, touch or leave the store; set,
    /// re-sign or clear the cookie. Runs once, at the earliest point that can still turn a failure into an error response
    /// (the result filter, the end of the middleware, or the start of the response), and again only after a later change.
    /// The store's lease is given up with the save (or right after, when there is nothing to save), so other nodes wait no
    /// longer than needed and a leased request costs the store two operations, like an unleased one.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_stage is not (SessionStage.Loaded or SessionStage.ChangedAfterCommit))
        {
            return;
        }

        var response = context.Response;
        if (!response.HasStarted)
        {
            response.Headers.CacheControl = "no-store";
        }

        var options = runtime.Options;
        var id = _contents.Id;
        var plan = CommitPlan.For(new CommitFacts(
            OutsideCookiePath: _cookie.OutsideCookiePath,
            Unset: _removal == SessionRemoval.Unset,
            Destroyed: _removal == SessionRemoval.Destroyed,
            Modified: _contents.IsModified,
            Saved: _contents.IsSaved,
            HasSavedState: _contents.HasSavedState,
            CookieCarriesId: _cookie.Id == id,
            StoreHoldsId: _storedId == id,
            ReadOnly: IsReadOnly,
            StoreExpiryCurrent: _storeExpiryCurrent,
            Touched: _touched,
            CookieSignedWithOlderSecret: _cookie.SignedWithOlderSecret,
            HasMaxAge: _contents.MaxAge(options) is not null,
            CookieReceived: _cookie.Id is not null), options);

        var now = Now();
        var cookie = plan.Cookie;
        switch (plan.Store)
        {
            case StoreStep.Save when !await WriteAsync(now, cancellationToken, releaseLease: true):
                cookie = CookieStep.None; // the session is gone: a late change must not bring its cookie back
                break;
            case StoreStep.Touch when _turn?.HeldTooLong != true: // past Session:MaxHoldTime there is nothing to lose: skip it
                if (!await runtime.GuardedStore.TouchAsync(id, _storedPayload, StoreExpiry(now), cancellationToken))
                {
                    // Another request changed the session since this one read it (or it went): its expiry, and the
                    // cookie its response carries, are newer than this request's view of them.
                    runtime.Logger.TouchSkipped(new SessionLogId(id));
                    cookie = CookieStep.None;
                }
                else
                {
                    runtime.Events.Touched();
                }

                _storeExpiryCurrent = true;
                break;
            case StoreStep.Touch:
                cookie = CookieStep.None; // the touch was skipped: no cookie may promise an expiry the store never got
                break;
            case StoreStep.Destroy:
                await DestroyStoredAsync(cancellationToken);
                break;
        }

        var expires = SessionExpiry.OfCookie(options, now, _contents.MaxAge(options), _contents.CreatedUnixMs);
        _sentCookie = SessionCookieResponse.Write(context, runtime, cookie, _contents.Id, expires, _sentCookie);
        _stage = SessionStage.Committed;
        if (_turn is not null)
        {
            await _turn.ReleaseLeaseAsync(cancellationToken);
        }
    }

    /// <summary>Ends this request's use of the session: nothing more is written, and the next request may have it.</summary>
    public void Finish()
    {
        _stage = SessionStage.Released;

        // A failed or aborted request gives its lease up in the background (it lapses by itself if that fails too).
        _turn?.End();
    }

    private async Task OnResponseStartingAsync()
    {
        try
        {
            await CommitAsync();
        }
        catch (NewSessionLimitedException refusal)
        {
            // Too late for a 429: the page goes out as it is, without the session it would have started (nothing stored,
            // no cookie), as it would for a visitor whose browser refused the cookie.
            runtime.NewSessions.LogRefused(context, refusal, atResponseStart: true);
        }
        catch (Exception ex)
        {
            // Too late for a clean error page: the response is on its way. Fail it rather than report success for an
            // unsaved change; the server turns this into a 500 or an aborted connection.
            runtime.Logger.CommitFailedAtResponseStart(ex);
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
        var options = runtime.Options;
        _cookie = _peek?.Cookie ?? IncomingSessionCookie.Read(context, runtime);
        if (_cookie.Id is { } cookieId)
        {
            var found = options.Concurrency == SessionConcurrency.Serialized && !IsReadOnly
                ? await (_turn ??= new SessionTurn(runtime)).TakeAndLoadAsync(cookieId, cancellationToken)
                : await (_peek?.TakeAsync(cookieId, cancellationToken) ?? runtime.GuardedStore.GetAsync(cookieId, cancellationToken));
            _mayStoreNew = found is not null;
            if (found is not { } record)
            {
                runtime.RejectedCookies.NotFound(context, new SessionLogId(cookieId));
            }
            else if (CorruptSessions.ParseOrReport(runtime, cookieId, record) is not { } payload)
            {
                await LeaveCorruptAsync(cancellationToken);
            }
            else if (SessionExpiry.IsPastAbsoluteTimeout(options, Now(), payload.CreatedUnixMs))
            {
                runtime.Logger.SessionPastAbsoluteTimeout(new SessionLogId(cookieId));
                _storedId = cookieId;
                await DestroyStoredAsync(cancellationToken);
            }
            else
            {
                // A session an express app wrote has no __created: the first request that holds it stores one, before it
                // counts as loaded (a failed write leaves nothing a retried load could mistake for a loaded session).
                var now = Now();
                _storedPayload = payload.CreatedUnixMs == 0 && _turn is not null
                    ? await _turn.StoreCreationTimeAsync(cookieId, payload, now, record.Expires, cancellationToken)
                    : record.Payload;
                _storedId = cookieId;
                _contents.Load(cookieId, payload, now, options.Resave);
                runtime.Events.Loaded(cookieId);
            }
        }

        if (!IsLoaded)
        {
            // No stored session, or outside the cookie's path: the endpoint gets an empty session, stored only if it is
            // written to (never, outside the path).
            StartNew();
        }

        _stage = SessionStage.Loaded;
        if (!_cookie.OutsideCookiePath)
        {
            context.Response.OnStarting(static state => ((SessionLifecycle)state).OnResponseStartingAsync(), this);
        }
    }

    // The stored session is corrupt: left as it is, it gives way to a new session under a new ID (the caller starts it).
    private Task LeaveCorruptAsync(CancellationToken cancellationToken)
    {
        _storedId = null;
        _storedPayload = default;
        return _turn?.LeaveAsync(cancellationToken) ?? Task.CompletedTask;
    }

    private void StartNew()
    {
        _contents.StartNew(Now());
        runtime.Logger.SessionStarted(new SessionLogId(_contents.Id));
    }

    // Returns false, saving nothing, when a change made after the commit finds the session gone (destroyed by another
    // request, or expired): a late change must not bring it back.
    private async Task<bool> WriteAsync(DateTimeOffset now, CancellationToken cancellationToken, bool releaseLease = false)
    {
        if (!_mayStoreNew)
        {
            // Before anything is stored: a refusal leaves no record behind and, still unanswered, becomes a 429.
            runtime.NewSessions.Admit(context);
            _mayStoreNew = true;
        }

        var id = _contents.Id;
        _turn?.ThrowIfHeldTooLong();
        if (_turn is { } turn && turn.MustRebase(id))
        {
            if (await turn.RebaseAsync(id, _contents.Values!, _contents.MaxAgeMs, cancellationToken) is not { } rebased)
            {
                _contents.Reloaded(resave: false);
                return false;
            }

            _contents.Apply(rebased, now);
        }

        var payload = _contents.Serialize();
        if (payload.Length > runtime.Options.MaxSessionSize)
        {
            throw new SessionDataException(
                $"The session is {payload.Length} bytes, over Session:MaxSessionSize ({runtime.Options.MaxSessionSize}); it was not saved and the stored session is unchanged.");
        }

        var record = new SessionRecord(payload, StoreExpiry(now));
        if (_turn is not null)
        {
            await _turn.SaveAsync(id, record, releaseLease, cancellationToken);
        }
        else
        {
            await runtime.GuardedStore.SetAsync(id, record, cancellationToken);
        }

        runtime.Events.Stored(id, payload.Length, created: _storedId != id);
        _storedId = id;
        _storedPayload = payload;
        _contents.Saved();
        _storeExpiryCurrent = true;
        return true;
    }

    private async Task DestroyStoredAsync(CancellationToken cancellationToken)
    {
        if (_storedId is null)
        {
            return;
        }

        _turn?.ThrowIfHeldTooLong();
        await (_turn?.DestroyAsync(_storedId, cancellationToken) ?? runtime.GuardedStore.DestroyAsync(_storedId, cancellationToken).AsTask());
        runtime.Events.Destroyed();
        _storedId = null;
        _storedPayload = default;
        _contents.Unstored();
    }

    private DateTimeOffset StoreExpiry(DateTimeOffset now) =>
        SessionExpiry.InStore(runtime.Options, now, _contents.MaxAge(runtime.Options), _contents.CreatedUnixMs);

    private bool Changed(bool changed, string key)
    {
        if (changed)
        {
            _turn?.NoteChange(key);
        }

        return changed;
    }

    private DateTimeOffset Now() => runtime.Time.GetUtcNow();
}
