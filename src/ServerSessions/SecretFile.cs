using System.Security.Cryptography;

namespace ServerSessions;

/// <summary>
/// The generated secret used when none is configured: 256 random bits, written once (base64) to a file only its
/// owner can read or write, and read back on every later start so cookies stay valid across restarts.
/// </summary>
internal static class SecretFile
{
    public static string LoadOrCreate(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return Read(full);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(full, options);
            using var writer = new StreamWriter(stream);
            writer.Write(secret);
            writer.Flush();
            stream.Flush(flushToDisk: true);
            return secret;
        }
        catch (IOException) when (File.Exists(full))
        {
            return Read(full); // another process created it first
        }
    }

    private static string Read(string path)
    {
        var secret = File.ReadAllText(path).Trim();
        if (secret.Length < 32)
        {
            throw new InvalidOperationException(
                $"The session secret file '{path}' holds fewer than 32 characters. Delete it to have a new secret generated, or set Session:Secret.");
        }

        return secret;
    }
}
