using System.Globalization;
using System.Net;

namespace VisitTracker.Operations;

/// <summary>
/// The management port (the <c>Management</c> settings): where Prometheus scrapes <c>/metrics</c>, apart from the app's
/// own port, so the metrics are not public when the app is.
/// </summary>
internal sealed class ManagementOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Management";

    /// <summary>Whether the management port is opened (and metrics collected). Default true.</summary>
    public bool Enabled { get; private init; } = true;

    /// <summary>The IP address it listens on. Default <c>127.0.0.1</c>: only this machine can scrape.</summary>
    public IPAddress Address { get; private init; } = IPAddress.Loopback;

    /// <summary>Its TCP port. Default 9464, the OpenTelemetry Prometheus exporter's.</summary>
    public int Port { get; private init; } = 9464;

    /// <summary>The URL Kestrel listens on, such as <c>http://127.0.0.1:9464</c>.</summary>
    public string Url => $"http://{(Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address.ToString())}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Reads and checks the section; an unknown key or a bad value stops the app with a message naming the setting.</summary>
    public static ManagementOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        string[] known = [nameof(Enabled), nameof(Address), nameof(Port)];
        var unknown = section.GetChildren().Where(child => !known.Contains(child.Key, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Unknown setting(s) {string.Join(", ", unknown.Select(child => child.Path))}: the management port's settings are " +
                $"{Section}:Enabled, {Section}:Address and {Section}:Port ({Section}__Port in the environment).");
        }

        var options = new ManagementOptions();
        return new ManagementOptions
        {
            Enabled = section[nameof(Enabled)] is not { } enabled ? options.Enabled
                : bool.TryParse(enabled, out var on) ? on
                : throw new InvalidOperationException($"{Section}:Enabled must be true or false, not '{enabled}'."),
            Address = section[nameof(Address)] is not { } address ? options.Address
                : IPAddress.TryParse(address, out var ip) ? ip
                : throw new InvalidOperationException(
                    $"{Section}:Address must be an IP address, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), not '{address}'."),
            Port = section[nameof(Port)] is not { } port ? options.Port
                : int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535 ? number
                : throw new InvalidOperationException(
                    $"{Section}:Port must be a TCP port number (1-65535), not '{port}'; to open no management port, set {Section}:Enabled=false."),
        };
    }
}
