using System.Net;
using System.Net.Sockets;

namespace VisitTracker.SignIn;

/// <summary>
/// The client a limit counts for: its IP address (as the forwarded headers left it), an IPv6 address by its /64
/// network, since one client commonly holds a whole /64.
/// </summary>
internal static class ClientAddress
{
    public static string Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
