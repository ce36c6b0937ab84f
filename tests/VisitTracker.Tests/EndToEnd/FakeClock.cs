namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// A process whose clock is off by a fixed amount, as on a node whose clock drifted: Debian's libfaketime, preloaded
/// into it (<c>LD_PRELOAD</c>, <c>FAKETIME</c>). Not the <c>faketime</c> command: it runs the program as its child and does
/// not pass signals on, so the app could not be stopped as a service manager stops it.
/// </summary>
internal static class FakeClock
{
    /// <summary>The environment that runs a process with its clock <paramref name="offset"/> from the real one (whole minutes).</summary>
    public static IReadOnlyDictionary<string, string> Environment(TimeSpan offset) => new Dictionary<string, string>
    {
        ["LD_PRELOAD"] = Library,
        ["FAKETIME"] = (offset < TimeSpan.Zero ? "-" : "+") + ((long)Math.Abs(offset.TotalMinutes)).ToString(System.Globalization.CultureInfo.InvariantCulture) + "m",
    };

    // Debian puts it under the architecture's library folder (/usr/lib/x86_64-linux-gnu/faketime/ on amd64).
    private static string Library =>
        System.IO.Directory.EnumerateDirectories("/usr/lib")
            .Prepend("/usr/lib")
            .Select(folder => Path.Combine(folder, "faketime", "libfaketime.so.1"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("libfaketime is missing: apt-get install faketime (./test.sh installs it).");
}
