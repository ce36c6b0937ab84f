using System.Buffers;
using System.Text.Unicode;

namespace ServerSessions;

/// <summary>JavaScript's <c>decodeURIComponent</c> with <c>cookie</c>'s fallback: a malformed value is returned raw.</summary>
internal static class PercentDecoding
{
    public static string TryDecode(ReadOnlySpan<char> value)
    {
        // Decoding never lengthens a value: an escape is three characters for one byte, and a byte is at most one char.
        var scratch = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
        return TryDecode(value, scratch).ToString();
    }

    /// <summary>
    /// Decodes without allocating: <paramref name="value"/> itself when it has no escape or a malformed one, else the
    /// decoded text in <paramref name="scratch"/>; a new string when <paramref name="scratch"/> is shorter than the value.
    /// </summary>
    public static ReadOnlySpan<char> TryDecode(ReadOnlySpan<char> value, Span<char> scratch)
    {
        var first = value.IndexOf('%');
        if (first < 0)
        {
            return value;
        }

        if (scratch.Length < value.Length)
        {
            return TryDecode(value);
        }

        byte[]? rented = null;
        var bytes = value.Length <= 1024 ? stackalloc byte[value.Length] : (rented = ArrayPool<byte>.Shared.Rent(value.Length));
        try
        {
            value[..first].CopyTo(scratch);
            var written = first;
            var i = first;
            while (i < value.Length)
            {
                if (value[i] != '%')
                {
                    scratch[written++] = value[i++];
                    continue;
                }

                // A run of %XX escapes is one UTF-8 sequence (or several); decode the run together.
                var count = 0;
                while (i < value.Length && value[i] == '%')
                {
                    if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2]))
                    {
                        return value;
                    }

                    bytes[count++] = (byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2]));
                    i += 3;
                }

                // Strict: invalid or incomplete UTF-8 leaves the whole value raw, as decodeURIComponent's URIError does.
                if (Utf8.ToUtf16(bytes[..count], scratch[written..], out _, out var chars, replaceInvalidSequences: false) != OperationStatus.Done)
                {
                    return value;
                }

                written += chars;
            }

            return scratch[..written];
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
