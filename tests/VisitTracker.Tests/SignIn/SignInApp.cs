using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.SignIn;

/// <summary>
/// One VisitTracker process shared by a test class's tests (each registers its own users, named by
/// <see cref="NewUserName"/>), with its data folder, so that tests can reach its users database.
/// </summary>
public sealed class SignInApp : IAsyncLifetime
{
    private readonly TempFolder _data = new();
    private int _users;
    private int _clients;
    private VisitTrackerProcess? _app;

    internal VisitTrackerProcess App => _app ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>The app's users database.</summary>
    internal string UsersPath => VisitTrackerProcess.UsersPath(_data);

    /// <summary>A user name no other test of the class uses.</summary>
    internal string NewUserName(string prefix) => $"{prefix}{Interlocked.Increment(ref _users)}";

    /// <summary>A client with an address of its own (X-Forwarded-For), so the sign-in limits of one test never reach another's.</summary>
    internal SignInClient NewClient()
    {
        var client = Interlocked.Increment(ref _clients);
        return new SignInClient(App) { ForwardedFor = $"10.0.{client / 256}.{client % 256}" };
    }

    public async Task InitializeAsync() => _app = await VisitTrackerProcess.StartAsync(_data);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _data.Dispose();
    }
}
