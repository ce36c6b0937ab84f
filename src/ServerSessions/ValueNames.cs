using System.Collections.Concurrent;
using System.Text.Json;

namespace ServerSessions;

/// <summary>
/// The names of session values, as read from stored sessions: an app uses a handful of names, read again on every load,
/// so each is allocated once and shared after that. Bounded: past <see cref="Capacity"/> names (an app that makes names
/// up per user, say), further ones are allocated per read, as they would be without it.
/// </summary>
internal static class ValueNames
{
    public const int Capacity = 1024;
    private const int MaxChars = 64;
    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();
    private static int _count;

    /// <summary>How many names are kept (tests).</summary>
    public static int Count => Volatile.Read(ref _count);

    /// <summary>The property name <paramref name="reader"/> is on, shared when it was read before.</summary>
    /// <exception cref="InvalidOperationException">The name is not valid UTF-8 (as <see cref="Utf8JsonReader.GetString"/>).</exception>
    public static string Read(ref Utf8JsonReader reader)
    {
        // A name's UTF-8 bytes, escaped or not, are never fewer than its characters.
        if (reader.ValueSpan.Length > MaxChars)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxChars];
        var name = chars[..reader.CopyString(chars)];
        if (Lookup.TryGetValue(name, out var shared))
        {
            return shared;
        }

        var created = name.ToString();
        if (Volatile.Read(ref _count) < Capacity && Names.TryAdd(created, created))
        {
            Interlocked.Increment(ref _count);
        }

        return created;
    }
}
