namespace ServerSessions;

/// <summary>What a commit does to the store.</summary>
internal enum StoreStep
{
    /// <summary>Leave the store alone.</summary>
    None,

    /// <summary>Write the session.</summary>
    Save,

    /// <summary>Only move the stored session's expiry.</summary>
    Touch,

    /// <summary>Delete the stored session (<see cref="UnsetBehavior.Destroy"/>).</summary>
    Destroy,
}

/// <summary>What a commit does to the session cookie.</summary>
internal enum CookieStep
{
    /// <summary>Send no cookie.</summary>
    None,

    /// <summary>Send the session's cookie.</summary>
    Send,

    /// <summary>Tell the browser to drop the cookie it sent.</summary>
    Clear,
}

/// <summary>The session as the commit rules see it, taken when the commit runs.</summary>
/// <param name="OutsideCookiePath">The request is outside the cookie's path: it has no stored session.</param>
/// <param name="Unset">The session was detached from the request (<c>req.session = null</c>).</param>
/// <param name="Destroyed">The stored session was destroyed, and the request goes on with a new one.</param>
/// <param name="Modified">Changed since it was loaded or started (express's <c>isModified</c>).</param>
/// <param name="Saved">The store holds exactly this state (express's <c>isSaved</c>).</param>
/// <param name="HasSavedState">Loaded with Resave off, or saved in this request (express's <c>savedHash</c>).</param>
/// <param name="CookieCarriesId">The request's cookie carries the session's current ID.</param>
/// <param name="StoreHoldsId">The store holds the session under its current ID.</param>
/// <param name="ReadOnly">The request may only read the session.</param>
/// <param name="StoreExpiryCurrent">This request wrote or touched the store since the last <c>Touch()</c>.</param>
/// <param name="Touched"><c>Touch()</c> was called.</param>
/// <param name="CookieSignedWithOlderSecret">The cookie must be re-signed with the current secret.</param>
/// <param name="HasMaxAge">The cookie is persistent (has a MaxAge).</param>
/// <param name="CookieReceived">The request carried a valid session cookie.</param>
internal readonly record struct CommitFacts(
    bool OutsideCookiePath,
    bool Unset,
    bool Destroyed,
    bool Modified,
    bool Saved,
    bool HasSavedState,
    bool CookieCarriesId,
    bool StoreHoldsId,
    bool ReadOnly,
    bool StoreExpiryCurrent,
    bool Touched,
    bool CookieSignedWithOlderSecret,
    bool HasMaxAge,
    bool CookieReceived);

/// <summary>
/// express-session's end-of-request rules (<c>shouldSave</c>, <c>shouldTouch</c>, <c>shouldSetCookie</c> and
/// <c>unset</c>) as one pure function: what to do with the store and with the cookie.
/// </summary>
internal readonly record struct CommitPlan(StoreStep Store, CookieStep Cookie)
{
    public static CommitPlan For(in CommitFacts session, ServerSessionOptions options)
    {
        if (session.OutsideCookiePath)
        {
            return default;
        }

        if (session.Unset)
        {
            return new(options.Unset == UnsetBehavior.Destroy ? StoreStep.Destroy : StoreStep.None, CookieStep.None);
        }

        // An uninitialized session (new, never saved) is saved only when modified, unless SaveUninitialized.
        var uninitialized = session.Destroyed || (!options.SaveUninitialized && !session.HasSavedState && !session.CookieCarriesId);
        var shouldSave = uninitialized ? session.Modified && !session.Saved : !session.Saved;

        // A read-only request holds no lock: saving its copy back (Resave) could overwrite a change made meanwhile, so it
        // only moves the expiry.
        var store = shouldSave && !(session.ReadOnly && session.StoreHoldsId) ? StoreStep.Save
            : session.CookieCarriesId && session.StoreHoldsId && !session.StoreExpiryCurrent ? StoreStep.Touch
            : StoreStep.None;

        var send = session.Destroyed ? session.Modified
            : !session.CookieCarriesId ? options.SaveUninitialized || session.Modified
            : options.Rolling || session.CookieSignedWithOlderSecret || (session.HasMaxAge && (session.Modified || session.Touched));
        var cookie = send ? CookieStep.Send
            : session.Destroyed && session.CookieReceived ? CookieStep.Clear
            : CookieStep.None;
        return new(store, cookie);
    }
}
