using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace ServerSessions;

/// <summary>
/// Signs and verifies session IDs as express-session (cookie-signature) does: <c>s:&lt;id&gt;.&lt;sig&gt;</c>, where
/// sig is HMAC-SHA256(secret, id) in standard base64 without padding. The first secret signs, every one verifies.
/// </summary>
internal sealed class CookieSigner
{
    private const int SignatureChars = 43; // base64 of 32 bytes, padding stripped
    private const int MaxIdChars = 256;
    private readonly byte[][] _keys;

    // One keyed HMAC per secret per thread: the one-shot HMACSHA256.HashData sets the key up again on every call, which
    // costs more than hashing a 32-character ID (the alternatives, measured: bench/RESULTS.md, HmacBenchmarks).
    private readonly ThreadLocal<HMACSHA256[]> _macs;

    public CookieSigner(IReadOnlyList<string> secrets)
    {
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one secret is required.", nameof(secrets));
        }

        _keys = [.. secrets.Select(Encoding.UTF8.GetBytes)];
        _macs = new ThreadLocal<HMACSHA256[]>(() => [.. _keys.Select(key => new HMACSHA256(key))]);
    }

    /// <summary>A key for another use of the current secret (<paramref name="purpose"/> tells the uses apart), so one secret keeps serving.</summary>
    public byte[] DeriveKey(string purpose) => HMACSHA256.HashData(_keys[0], Encoding.UTF8.GetBytes(purpose));

    /// <summary>The length of the signed value of an ID of <paramref name="idLength"/> characters.</summary>
    public static int SignedLength(int idLength) => 2 + idLength + 1 + SignatureChars;

    /// <summary>The unencoded cookie value <c>s:&lt;id&gt;.&lt;sig&gt;</c>, signed with the first secret.</summary>
    public string Sign(string id) =>
        string.Create(SignedLength(id.Length), (Signer: this, Id: id), static (chars, state) => state.Signer.TrySign(state.Id, chars, out _));

    /// <summary>
    /// Writes <c>s:&lt;id&gt;.&lt;sig&gt;</c>, signed with the first secret, into <paramref name="destination"/> without
    /// allocating; false (nothing written) when it is shorter than <see cref="SignedLength"/>.
    /// </summary>
    public bool TrySign(ReadOnlySpan<char> id, Span<char> destination, out int charsWritten)
    {
        var length = SignedLength(id.Length);
        if (destination.Length < length)
        {
            charsWritten = 0;
            return false;
        }

        "s:".CopyTo(destination);
        id.CopyTo(destination[2..]);
        destination[2 + id.Length] = '.';
        ComputeSignature(0, id, destination.Slice(3 + id.Length, SignatureChars));
        charsWritten = length;
        return true;
    }

    /// <summary>
    /// Checks a decoded cookie value. Returns the ID when the value is <c>s:&lt;id&gt;.&lt;sig&gt;</c> with a signature
    /// made by one of the secrets; <paramref name="signedWithCurrent"/> says whether it was the first one.
    /// </summary>
    public bool TryUnsign(ReadOnlySpan<char> value, out ReadOnlySpan<char> id, out bool signedWithCurrent)
    {
        id = default;
        signedWithCurrent = false;
        if (!value.StartsWith("s:", StringComparison.Ordinal))
        {
            return false;
        }

        var signed = value[2..];
        var dot = signed.LastIndexOf('.');
        if (dot <= 0 || dot > MaxIdChars || signed.Length - dot - 1 != SignatureChars)
        {
            return false;
        }

        var candidate = signed[..dot];
        var presented = signed[(dot + 1)..];
        Span<char> expected = stackalloc char[SignatureChars];
        for (var i = 0; i < _keys.Length; i++)
        {
            ComputeSignature(i, candidate, expected);
            if (CryptographicOperations.FixedTimeEquals(
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected),
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(presented)))
            {
                id = candidate;
                signedWithCurrent = i == 0;
                return true;
            }
        }

        return false;
    }

    private void ComputeSignature(int key, ReadOnlySpan<char> id, Span<char> destination)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(id.Length);
        byte[]? rented = null;
        var utf8 = maxBytes <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(id, utf8);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            _macs.Value![key].TryComputeHash(utf8[..length], mac, out _);
            Span<char> base64 = stackalloc char[44];
            Convert.TryToBase64Chars(mac, base64, out _);
            base64[..SignatureChars].CopyTo(destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
