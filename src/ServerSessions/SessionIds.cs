using System.Buffers.Text;
using System.Security.Cryptography;

namespace ServerSessions;

/// <summary>
/// Session IDs: 24 bytes from the operating system's CSPRNG in base64url (32 characters, 192 bits), as
/// express-session's uid-safe makes them, so IDs from either app look alike in a shared store.
/// </summary>
internal static class SessionIds
{
    private const int Bytes = 24;

    public static string New()
    {
        Span<byte> random = stackalloc byte[Bytes];
        RandomNumberGenerator.Fill(random);
        return Base64Url.EncodeToString(random);
    }

    /// <summary>
    /// Whether a signed ID is worth a store lookup: base64url only, 22 to 128 characters. Anything else is
    /// treated like a bad signature (a fresh session), so no odd key ever reaches a store.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> id)
    {
        if (id.Length is < 22 or > 128)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
