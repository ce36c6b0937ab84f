using System.Security.Cryptography;
using System.Text;

namespace ServerSessions;

/// <summary>
/// How a session appears in logs: the first 8 hex digits of the SHA-256 of its ID. Enough to follow one session
/// through the logs, useless for hijacking it. Computed only when the log entry is written.
/// </summary>
internal readonly struct SessionLogId(string id)
{
    public override string ToString()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(id), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
