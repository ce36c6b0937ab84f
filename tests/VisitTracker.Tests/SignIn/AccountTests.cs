using System.Net;
using VisitTracker.Users;

namespace VisitTracker.Tests.SignIn;

/// <summary>VisitTracker's account page: the user's sessions, signing them out, the password, and the user check on each request.</summary>
public sealed class AccountTests(SignInApp fixture) : IClassFixture<SignInApp>
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Account_ListsEverySessionOfTheUser_AndSignsOutAnotherOne()
    {
        var name = await RegisteredUserAsync();
        using var laptop = fixture.NewClient();
        using var phone = fixture.NewClient();
        (await laptop.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(1, (await laptop.HomeAsync()).Count);

        var account = await laptop.GetAsync("/account");
        account.AssertStatus(HttpStatusCode.OK);
        Assert.Contains("This browser session has visited the home page 1 time.", account.Html, StringComparison.Ordinal);
        var sessions = account.Sessions;
        Assert.Equal(3, sessions.Count); // the registration's, the laptop's, the phone's
        Assert.Single(sessions, s => s.Current);
        Assert.Null(sessions.Single(s => s.Current).Handle); // this session has no sign-out button of its own
        Assert.DoesNotContain(laptop.SessionId, account.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(phone.SessionId, account.Html, StringComparison.Ordinal);

        var others = sessions.Where(s => !s.Current).Select(s => s.Handle!).ToList();
        foreach (var handle in others)
        {
            (await laptop.PostAsync("/account/sessions/revoke", [new("handle", handle)])).AssertRedirect(HttpStatusCode.SeeOther, "/account");
        }

        Assert.Null((await phone.HomeAsync()).Greeted);
        Assert.Equal(name, (await laptop.HomeAsync()).Greeted);
        Assert.Single((await laptop.GetAsync("/account")).Sessions);
    }

    [Fact]
    public async Task SignOutEverywhereElse_SignsOutTheOtherSessions_AndKeepsThisOne()
    {
        var name = await RegisteredUserAsync();
        using var laptop = fixture.NewClient();
        using var phone = fixture.NewClient();
        (await laptop.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);

        await laptop.GetAsync("/account");
        (await laptop.PostAsync("/account/sessions/revoke-others", [])).AssertRedirect(HttpStatusCode.SeeOther, "/account");

        (await phone.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
        var account = await laptop.GetAsync("/account");
        Assert.Equal(name, account.Greeted);
        Assert.True(Assert.Single(account.Sessions).Current);
    }

    [Fact]
    public async Task AFormOfASessionSignedOutElsewhere_LeadsToTheLoginPage_AndThenBackToTheAccount()
    {
        var name = await RegisteredUserAsync();
        using var laptop = fixture.NewClient();
        using var phone = fixture.NewClient();
        (await laptop.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.GetAsync("/account")).AssertStatus(HttpStatusCode.OK); // the phone's page, with its forms
        await laptop.GetAsync("/account");
        (await laptop.PostAsync("/account/sessions/revoke-others", [])).AssertStatus(HttpStatusCode.SeeOther);

        var posted = await phone.PostAsync("/account/sessions/revoke-others", []);

        posted.AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount%2Fsessions%2Frevoke-others");
        (await phone.LoginAsync(name, Password, returnUrl: "/account/sessions/revoke-others")).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.GetAsync("/account/sessions/revoke-others")).AssertRedirect(HttpStatusCode.SeeOther, "/account");
        Assert.Equal(name, (await laptop.HomeAsync()).Greeted); // the phone's old form changed nothing
    }

    [Fact]
    public async Task SigningOutASessionSignedOutElsewhere_LandsOnTheHomePage()
    {
        var name = await RegisteredUserAsync();
        using var laptop = fixture.NewClient();
        using var phone = fixture.NewClient();
        (await laptop.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(name, (await phone.HomeAsync()).Greeted); // the phone's page, with its Sign out form
        await laptop.GetAsync("/account");
        (await laptop.PostAsync("/account/sessions/revoke-others", [])).AssertStatus(HttpStatusCode.SeeOther);

        (await phone.PostAsync("/logout", [])).AssertRedirect(HttpStatusCode.SeeOther, "/");
        Assert.Equal(name, (await laptop.HomeAsync()).Greeted);
    }

    [Fact]
    public async Task PasswordChange_SignsOutTheOtherSession_KeepsThisOne_AndOnlyTheNewPasswordSignsIn()
    {
        var name = await RegisteredUserAsync();
        using var laptop = fixture.NewClient();
        using var phone = fixture.NewClient();
        (await laptop.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await phone.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);

        await laptop.GetAsync("/account");
        var wrong = await laptop.PostAsync("/account/password", [new("currentPassword", "not the password"), new("newPassword", "a new password")]);
        wrong.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Equal("The current password is wrong.", wrong.Error);
        Assert.Equal(name, (await phone.HomeAsync()).Greeted);

        (await laptop.PostAsync("/account/password", [new("currentPassword", Password), new("newPassword", "a new password")]))
            .AssertRedirect(HttpStatusCode.SeeOther, "/account");

        Assert.Null((await phone.HomeAsync()).Greeted);
        (await phone.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
        Assert.Equal(name, (await laptop.GetAsync("/account")).Greeted);
        using var again = fixture.NewClient();
        (await again.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.BadRequest);
        (await again.LoginAsync(name, "a new password")).AssertStatus(HttpStatusCode.SeeOther);
    }

    [Fact]
    public async Task ASecurityStampChangedElsewhere_SignsTheSessionOut()
    {
        // The stamp changes with the password; here another process changes it without revoking any session, so only
        // the check on each request can sign this one out.
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();
        (await client.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(name, (await client.HomeAsync()).Greeted);

        using var database = new UserDatabase(fixture.UsersPath, TimeProvider.System);
        var user = await database.FindAsync(name);
        Assert.True(await database.TryReplaceHashAsync(name, user!.PasswordHash, user.PasswordHash, stamp: "a-stamp-set-elsewhere"));

        Assert.Null((await client.HomeAsync()).Greeted);
        (await client.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
    }

    [Fact]
    public async Task ADeletedUser_IsSignedOutAtTheNextRequest()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();
        (await client.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(name, (await client.HomeAsync()).Greeted);

        using var database = new UserDatabase(fixture.UsersPath, TimeProvider.System);
        Assert.True(await database.DeleteAsync(name));

        Assert.Null((await client.HomeAsync()).Greeted);
        (await client.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
    }

    private async Task<string> RegisteredUserAsync()
    {
        using var client = fixture.NewClient();
        var name = fixture.NewUserName("acct");
        (await client.RegisterAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        return name;
    }
}
