namespace ServerSessions.Tests;

/// <summary>express-session's end-of-request rules, one row per situation (and option that changes it): what the commit does to the store and the cookie.</summary>
public sealed class CommitPlanTests
{
    // A session loaded from the request's cookie, unchanged: the store holds exactly it, and this request has not written it yet.
    private static readonly CommitFacts Loaded = new(
        OutsideCookiePath: false, Unset: false, Destroyed: false, Modified: false, Saved: true, HasSavedState: true,
        CookieCarriesId: true, StoreHoldsId: true, ReadOnly: false, StoreExpiryCurrent: false, Touched: false,
        CookieSignedWithOlderSecret: false, HasMaxAge: false, CookieReceived: true);

    // A session this request started: no cookie came, nothing stored.
    private static readonly CommitFacts Started = Loaded with
    {
        Saved = false, HasSavedState = false, CookieCarriesId = false, StoreHoldsId = false, CookieReceived = false,
    };

    // What DestroyAsync leaves: the stored session deleted, a new empty one in its place, the old cookie to clear.
    private static readonly CommitFacts Destroyed = Started with { Destroyed = true, CookieReceived = true };

    private static readonly ServerSessionOptions Express = new();
    private static readonly ServerSessionOptions SaveUninitialized = new() { SaveUninitialized = true };
    private static readonly ServerSessionOptions Rolling = new() { Rolling = true };
    private static readonly ServerSessionOptions UnsetDestroys = new() { Unset = UnsetBehavior.Destroy };

    private static readonly Dictionary<string, (CommitFacts Session, ServerSessionOptions Options, StoreStep Store, CookieStep Cookie)> Rules = new()
    {
        ["loaded, unchanged: the store's expiry moves, no cookie"] = (Loaded, Express, StoreStep.Touch, CookieStep.None),
        ["loaded, already written by this request: nothing more"] = (Loaded with { StoreExpiryCurrent = true }, Express, StoreStep.None, CookieStep.None),
        ["loaded, changed: saved, no cookie (browser-session cookie)"] = (Loaded with { Modified = true, Saved = false }, Express, StoreStep.Save, CookieStep.None),
        ["loaded, changed, cookie with MaxAge: saved, cookie sent again"] = (Loaded with { Modified = true, Saved = false, HasMaxAge = true }, Express, StoreStep.Save, CookieStep.Send),
        ["loaded, unchanged, cookie with MaxAge: touched, no cookie"] = (Loaded with { HasMaxAge = true }, Express, StoreStep.Touch, CookieStep.None),
        ["loaded with Resave (not saved), unchanged: saved"] = (Loaded with { Saved = false, HasSavedState = false }, Express, StoreStep.Save, CookieStep.None),
        ["read-only request with Resave: only touched, never saved"] = (Loaded with { Saved = false, HasSavedState = false, ReadOnly = true }, Express, StoreStep.Touch, CookieStep.None),
        ["cookie signed with an older secret: re-signed"] = (Loaded with { CookieSignedWithOlderSecret = true }, Express, StoreStep.Touch, CookieStep.Send),
        ["Touch() with a MaxAge: touched, cookie sent again"] = (Loaded with { Touched = true, HasMaxAge = true }, Express, StoreStep.Touch, CookieStep.Send),
        ["Touch() without a MaxAge: touched, no cookie"] = (Loaded with { Touched = true }, Express, StoreStep.Touch, CookieStep.None),
        ["started, unchanged: uninitialized, nothing stored, no cookie"] = (Started, Express, StoreStep.None, CookieStep.None),
        ["started, changed: saved, cookie sent"] = (Started with { Modified = true }, Express, StoreStep.Save, CookieStep.Send),
        ["unknown or expired cookie, unchanged: nothing"] = (Started with { CookieReceived = true }, Express, StoreStep.None, CookieStep.None),
        ["unknown or expired cookie, changed: saved under a new ID, cookie sent"] = (Started with { CookieReceived = true, Modified = true }, Express, StoreStep.Save, CookieStep.Send),
        ["regenerated: saved under the new ID, cookie sent"] = (Loaded with { Modified = true, Saved = false, HasSavedState = false, CookieCarriesId = false, StoreHoldsId = false }, Express, StoreStep.Save, CookieStep.Send),
        ["destroyed: cookie cleared, nothing stored"] = (Destroyed, Express, StoreStep.None, CookieStep.Clear),
        ["destroyed, then changed: the new session saved and its cookie sent"] = (Destroyed with { Modified = true }, Express, StoreStep.Save, CookieStep.Send),
        ["destroyed without a cookie: nothing to clear"] = (Destroyed with { CookieReceived = false }, Express, StoreStep.None, CookieStep.None),
        ["unset (Keep): the stored session is left alone, no cookie"] = (Loaded with { Unset = true, Modified = true, Saved = false }, Express, StoreStep.None, CookieStep.None),
        ["outside the cookie's path: never stored, no cookie"] = (Started with { OutsideCookiePath = true, Modified = true }, Express, StoreStep.None, CookieStep.None),
        ["SaveUninitialized, started, unchanged: saved and sent anyway"] = (Started, SaveUninitialized, StoreStep.Save, CookieStep.Send),
        ["SaveUninitialized, destroyed, unchanged: still not saved, cookie cleared"] = (Destroyed, SaveUninitialized, StoreStep.None, CookieStep.Clear),
        ["Rolling, loaded, unchanged: touched, cookie sent on every response"] = (Loaded, Rolling, StoreStep.Touch, CookieStep.Send),
        ["Rolling, started, unchanged: still no cookie for an uninitialized session"] = (Started, Rolling, StoreStep.None, CookieStep.None),
        ["unset (Destroy): the stored session is deleted, no cookie"] = (Loaded with { Unset = true }, UnsetDestroys, StoreStep.Destroy, CookieStep.None),
    };

    public static TheoryData<string> Situations => new(Rules.Keys);

    [Theory]
    [MemberData(nameof(Situations))]
    public void Commit_FollowsExpressSessionsRules(string situation)
    {
        var (session, options, store, cookie) = Rules[situation];
        Assert.Equal(new CommitPlan(store, cookie), CommitPlan.For(session, options));
    }
}
