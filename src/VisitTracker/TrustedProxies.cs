using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace VisitTracker;

/// <summary>
/// The peers whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the app believes, one hop deep: the loopback
/// addresses by default (a proxy on the same machine), else exactly the addresses in <c>ForwardedHeaders:KnownProxies</c>
/// and the networks in <c>ForwardedHeaders:KnownNetworks</c>. Express's <c>trust proxy 1</c> believes the nearest hop
/// whatever its address, so a client reaching the port directly could claim HTTPS or any address; here it cannot.
/// </summary>
internal sealed record TrustedProxies(IReadOnlyList<IPAddress> Proxies, IReadOnlyList<System.Net.IPNetwork> Networks)
{
    private const string Section = "ForwardedHeaders";

    /// <summary>Reads the lists; an entry that is not an address or network, or an unknown key, stops the app here.</summary>
    public static TrustedProxies From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var unknown = section.GetChildren().Select(child => child.Path).Where(path => !IsKnown(path)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Unknown setting(s) {string.Join(", ", unknown)}: the trusted proxies are {Section}:KnownProxies (addresses) and " +
                $"{Section}:KnownNetworks (CIDR networks), lists ({Section}__KnownProxies__0=10.0.0.5 in the environment).");
        }

        return new TrustedProxies(
            Parse<IPAddress>(section.GetSection("KnownProxies"), (string text, out IPAddress value) => IPAddress.TryParse(text, out value!), "an IP address, such as 10.0.0.5 or ::1"),
            Parse<System.Net.IPNetwork>(section.GetSection("KnownNetworks"), System.Net.IPNetwork.TryParse, "a network in CIDR notation such as 10.0.0.0/8 or fd00::/8"));
    }

    /// <summary>Believes the two headers from these peers only, one hop deep; with no list configured, the framework's loopback defaults stay.</summary>
    public void ApplyTo(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.ForwardLimit = 1;
        if (Proxies.Count == 0 && Networks.Count == 0)
        {
            return; // 127.0.0.0/8 and ::1
        }

        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in Proxies)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in Networks)
        {
            options.KnownIPNetworks.Add(network);
        }
    }

    private static bool IsKnown(string path) =>
        path.Equals($"{Section}:KnownProxies", StringComparison.OrdinalIgnoreCase)
        || path.Equals($"{Section}:KnownNetworks", StringComparison.OrdinalIgnoreCase);

    private delegate bool TryParse<T>(string text, out T value);

    private static List<T> Parse<T>(IConfigurationSection list, TryParse<T> tryParse, string expected)
    {
        var values = new List<T>();
        foreach (var entry in list.GetChildren())
        {
            if (entry.Value is not { } text || !tryParse(text.Trim(), out var value))
            {
                throw new InvalidOperationException($"{entry.Path} '{entry.Value}' is not {expected}.");
            }

            values.Add(value);
        }

        return values;
    }
}
