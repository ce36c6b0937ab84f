namespace ServerSessions.Tests;

/// <summary>express-session's end-of-request rules, one row per situation: what the commit does to the store and the cookie.</summary>
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

    private static readonly Dictionary<string, (CommitFacts Session, StoreStep Store, CookieStep Cookie)> DefaultsTable = new()
    {
        ["loaded, unchanged: the store's expiry moves, no cookie"] = (Loaded, StoreStep.Touch, CookieStep.None),
        ["loaded, already written by this request: nothing more"] = (Loaded with { StoreExpiryCurrent = true }, StoreStep.None, CookieStep.None),
        ["loaded, changed: saved, no cookie (browser-session cookie)"] = (Loaded with { Modified = true, Saved = false }, StoreStep.Save, CookieStep.None),
        ["loaded, changed, cookie with MaxAge: saved, cookie sent again"] = (Loaded with { Modified = true, Saved = false, HasMaxAge = true }, StoreStep.Save, CookieStep.Send),
        ["loaded, unchanged, cookie with MaxAge: touched, no cookie"] = (Loaded with { HasMaxAge = true }, StoreStep.Touch, CookieStep.None),
        ["loaded with Resave (not saved), unchanged: saved"] = (Loaded with { Saved = false, HasSavedState = false }, StoreStep.Save, CookieStep.None),
        ["read-only request with Resave: only touched, never saved"] = (Loaded with { Saved = false, HasSavedState = false, ReadOnly = true }, StoreStep.Touch, CookieStep.None),
        ["cookie signed with an older secret: re-signed"] = (Loaded with { CookieSignedWithOlderSecret = true }, StoreStep.Touch, CookieStep.Send),
        ["Touch() with a MaxAge: touched, cookie sent again"] = (Loaded with { Touched = true, HasMaxAge = true }, StoreStep.Touch, CookieStep.Send),
        ["Touch() without a MaxAge: touched, no cookie"] = (Loaded with { Touched = true }, StoreStep.Touch, CookieStep.None),
        ["started, unchanged: uninitialized, nothing stored, no cookie"] = (Started, StoreStep.None, CookieStep.None),
        ["started, changed: saved, cookie sent"] = (Started with { Modified = true }, StoreStep.Save, CookieStep.Send),
        ["unknown or expired cookie, unchanged: nothing"] = (Started with { CookieReceived = true }, StoreStep.None, CookieStep.None),
        ["unknown or expired cookie, changed: saved under a new ID, cookie sent"] = (Started with { CookieReceived = true, Modified = true }, StoreStep.Save, CookieStep.Send),
        ["regenerated: saved under the new ID, cookie sent"] = (Loaded with { Modified = true, Saved = false, HasSavedState = false, CookieCarriesId = false, StoreHoldsId = false }, StoreStep.Save, CookieStep.Send),
        ["destroyed: cookie cleared, nothing stored"] = (Destroyed, StoreStep.None, CookieStep.Clear),
        ["destroyed, then changed: the new session saved and its cookie sent"] = (Destroyed with { Modified = true }, StoreStep.Save, CookieStep.Send),
        ["destroyed without a cookie: nothing to clear"] = (Destroyed with { CookieReceived = false }, StoreStep.None, CookieStep.None),
        ["unset (Keep): the stored session is left alone, no cookie"] = (Loaded with { Unset = true, Modified = true, Saved = false }, StoreStep.None, CookieStep.None),
        ["outside the cookie's path: never stored, no cookie"] = (Started with { OutsideCookiePath = true, Modified = true }, StoreStep.None, CookieStep.None),
    };

    public static TheoryData<string> Defaults => new(DefaultsTable.Keys);

    [Theory]
    [MemberData(nameof(Defaults))]
    public void WithDefaultOptions_FollowsExpressSession(string situation)
    {
        var (session, store, cookie) = DefaultsTable[situation];
        Assert.Equal(new CommitPlan(store, cookie), CommitPlan.For(session, new ServerSessionOptions()));
    }

    private static readonly Dictionary<string, (CommitFacts Session, StoreStep Store, CookieStep Cookie)> SaveUninitializedTable = new()
    {
        ["started, unchanged: saved and sent anyway"] = (Started, StoreStep.Save, CookieStep.Send),
        ["destroyed, unchanged: still not saved, cookie cleared"] = (Destroyed, StoreStep.None, CookieStep.Clear),
    };

    private static readonly Dictionary<string, (CommitFacts Session, StoreStep Store, CookieStep Cookie)> RollingTable = new()
    {
        ["loaded, unchanged: touched, cookie sent on every response"] = (Loaded, StoreStep.Touch, CookieStep.Send),
        ["started, unchanged: still no cookie for an uninitialized session"] = (Started, StoreStep.None, CookieStep.None),
    };

    public static TheoryData<string> SaveUninitialized => new(SaveUninitializedTable.Keys);

    [Theory]
    [MemberData(nameof(SaveUninitialized))]
    public void WithSaveUninitialized_StoresNewSessionsUnchanged(string situation)
    {
        var (session, store, cookie) = SaveUninitializedTable[situation];
        Assert.Equal(new CommitPlan(store, cookie), CommitPlan.For(session, new ServerSessionOptions { SaveUninitialized = true }));
    }

    public static TheoryData<string> Rolling => new(RollingTable.Keys);

    [Theory]
    [MemberData(nameof(Rolling))]
    public void WithRolling_SendsTheCookieOfEveryStoredSession(string situation)
    {
        var (session, store, cookie) = RollingTable[situation];
        Assert.Equal(new CommitPlan(store, cookie), CommitPlan.For(session, new ServerSessionOptions { Rolling = true }));
    }

    [Fact]
    public void Unset_WithDestroy_DeletesTheStoredSessionAndSendsNoCookie() =>
        Assert.Equal(
            new CommitPlan(StoreStep.Destroy, CookieStep.None),
            CommitPlan.For(Loaded with { Unset = true }, new ServerSessionOptions { Unset = UnsetBehavior.Destroy }));
}
