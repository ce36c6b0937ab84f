using System.Buffers.Binary;
using System.Buffers.Text;

namespace ServerSessions;

/// <summary>
/// A session ID as the memory store keys it: the 24 bytes that a well-formed ID (32 base64url characters, as
/// <see cref="SessionIds"/> makes them) encodes, held inline. A string of 32 characters is an 88-byte object of its
/// own; these are 24 bytes inside the store's table. 32 base64url characters carry exactly 192 bits, so every such ID
/// has one key and every key one ID.
/// </summary>
internal readonly struct SessionKey : IEquatable<SessionKey>
{
    public const int Characters = 32;
    private const int Bytes = 24;

    private readonly ulong _first;
    private readonly ulong _second;
    private readonly ulong _third;

    public SessionKey(ulong first, ulong second, ulong third)
    {
        _first = first;
        _second = second;
        _third = third;
    }

    /// <summary>The key of a well-formed ID; false for any other string, which the store keeps another way.</summary>
    public static bool TryParse(ReadOnlySpan<char> id, out SessionKey key)
    {
        key = default;
        if (id.Length != Characters)
        {
            return false;
        }

        // Checked first because the decoder would skip whitespace and accept padding.
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        Span<byte> bytes = stackalloc byte[Bytes];
        if (!Base64Url.TryDecodeFromChars(id, bytes, out var written) || written != Bytes)
        {
            return false;
        }

        key = new SessionKey(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]));
        return true;
    }

    public bool Equals(SessionKey other) => _first == other._first && _second == other._second && _third == other._third;

    public override bool Equals(object? obj) => obj is SessionKey other && Equals(other);

    // HashCode is seeded per process, so IDs chosen to collide in one process's table don't in another's.
    public override int GetHashCode() => HashCode.Combine(_first, _second, _third);
}
