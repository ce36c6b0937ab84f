using System.Collections.Concurrent;

namespace ServerSessions;

/// <summary>
/// Remembers cookie values that verified with the current secret, so a returning visitor's later requests skip the HMAC
/// (the largest part of the session layer's CPU per request) and get the ID without allocating it. Only values that
/// verified are kept: a forged or altered value is never found and always takes the full, constant-time check. Bounded:
/// when full, it starts over.
/// </summary>
internal sealed class VerifiedCookies
{
    private readonly CookieSigner _signer;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _count;

    public VerifiedCookies(CookieSigner signer, int capacity = 16_384)
    {
        _signer = signer;
        _capacity = capacity;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many values are remembered (tests).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Checks a decoded cookie value as <see cref="CookieSigner.TryUnsign"/> does and returns the ID it carries;
    /// <paramref name="signedWithCurrent"/> says whether the first secret signed it.
    /// </summary>
    public bool TryVerify(ReadOnlySpan<char> value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? id, out bool signedWithCurrent)
    {
        if (_lookup.TryGetValue(value, out id))
        {
            signedWithCurrent = true;
            return true;
        }

        if (!_signer.TryUnsign(value, out var verified, out signedWithCurrent))
        {
            id = null;
            return false;
        }

        id = verified.ToString();
        if (signedWithCurrent && SessionIds.IsWellFormed(verified))
        {
            if (Interlocked.Increment(ref _count) > _capacity)
            {
                _ids.Clear();
                Volatile.Write(ref _count, 1);
            }

            _ids[value.ToString()] = id;
        }

        return true;
    }
}
