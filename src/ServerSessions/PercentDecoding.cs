using System.Text;

namespace ServerSessions;

/// <summary>JavaScript's <c>decodeURIComponent</c> with <c>cookie</c>'s fallback: a malformed value is returned raw.</summary>
internal static class PercentDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string TryDecode(ReadOnlySpan<char> value)
    {
        if (!value.Contains('%'))
        {
            return value.ToString();
        }

        Span<byte> bytes = value.Length <= 1024 ? stackalloc byte[value.Length] : new byte[value.Length];
        var builder = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            if (value[i] != '%')
            {
                builder.Append(value[i]);
                i++;
                continue;
            }

            // A run of %XX escapes is one UTF-8 sequence (or several); decode the run together.
            var count = 0;
            while (i < value.Length && value[i] == '%')
            {
                if (i + 2 >= value.Length || !IsHex(value[i + 1]) || !IsHex(value[i + 2]))
                {
                    return value.ToString();
                }

                bytes[count++] = (byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2]));
                i += 3;
            }

            try
            {
                builder.Append(StrictUtf8.GetString(bytes[..count]));
            }
            catch (DecoderFallbackException)
            {
                return value.ToString();
            }
        }

        return builder.ToString();
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
