using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.Packaging;

/// <summary>
/// A web app made from <c>dotnet new web</c> with our packages, run from its build output as a real process on a free
/// 127.0.0.1 port. Disposing kills it.
/// </summary>
internal sealed partial class FreshAppProcess : AppProcess
{
    private FreshAppProcess(ProcessStartInfo start, int port)
        : base("the fresh app", start, port)
    {
    }

    /// <summary>Starts <paramref name="dll"/> and waits until it answers <see cref="ReadyPath"/>.</summary>
    public static Task<FreshAppProcess> StartAsync(string dll) => StartAsync(port => new FreshAppProcess(StartInfo(dll, port), port));

    /// <summary>The count in the quick start's message: "You have visited this page N times."</summary>
    public override int CountIn(string html)
    {
        var match = Message().Match(html);
        Assert.True(match.Success, $"No visit message in:\n{html}");
        return int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The endpoint the test adds to the quick start, which uses no session.</summary>
    protected override string ReadyPath => "/ready";

    private static ProcessStartInfo StartInfo(string dll, int port)
    {
        var start = new ProcessStartInfo(DotnetCli.Host) { WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("Session__", StringComparison.OrdinalIgnoreCase) || name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("URLS", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_PORTS", StringComparison.OrdinalIgnoreCase)
                || name is "PORT" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(name);
            }
        }

        return start;
    }

    [GeneratedRegex(@"You have visited this page (?<count>\d+) times\.")]
    private static partial Regex Message();
}
