using System.Net.Sockets;
using System.Text;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// Sends a request byte for byte, as no well-behaved client would: repeated headers, raw bytes, broken encodings.
/// HTTP/1.0, so the answer is unchunked and ends when the server closes the connection.
/// </summary>
internal static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
    {
        public IEnumerable<string> HeaderValues(string name) =>
            Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
    }

    /// <summary>Sends <c>GET /</c> with the given header lines (each without its CRLF).</summary>
    public static async Task<Response> GetAsync(Uri app, params IEnumerable<string> headerLines)
    {
        var request = new StringBuilder($"GET / HTTP/1.0\r\nHost: {app.Authority}\r\n");
        foreach (var line in headerLines)
        {
            request.Append(line).Append("\r\n");
        }

        request.Append("\r\n");

        using var timeout = new CancellationTokenSource(ServerSessions.Testing.Bounded.Limit);
        using var client = new TcpClient();
        using var received = new MemoryStream();
        try
        {
            await client.ConnectAsync(app.Host, app.Port, timeout.Token);
            var stream = client.GetStream();
            // Latin-1 maps each char to the one byte it stands for, so tests can send any byte.
            await stream.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), timeout.Token);
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException) when (received.Length > 0)
        {
            // The server answered and reset the connection without reading the rest of an oversized request.
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Waited {ServerSessions.Testing.Bounded.Limit.TotalSeconds:0} s for {app}'s complete answer to a raw request " +
                $"(the server closes the connection after an HTTP/1.0 answer); got {received.Length} bytes.");
        }

        return Parse(Encoding.UTF8.GetString(received.ToArray()));
    }

    private static Response Parse(string text)
    {
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, $"Not an HTTP response:\n{text}");
        var lines = text[..headEnd].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .Select(parts => KeyValuePair.Create(parts[0], parts[1].Trim()))
            .ToList();
        return new Response(status, headers, text[(headEnd + 4)..]);
    }
}
