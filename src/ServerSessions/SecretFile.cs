using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// The generated secret used when none is configured: 256 random bits in base64, kept in a file only its owner can
/// read or write, and read back on every later start so cookies stay valid across restarts.
/// </summary>
/// <remarks>
/// The file appears whole or not at all: the secret is written and flushed to a <c>0600</c> temporary file beside it,
/// which is then hard-linked to the file's name. <c>link(2)</c> never replaces an existing file, so of two first
/// starts racing, one links its secret and the other fails with <c>EEXIST</c> and reads the winner's. .NET has no
/// hard-link API, and <c>File.Move(…, overwrite: false)</c> is <c>rename(2)</c> after an existence check on Linux
/// (seen with strace on .NET 10), which replaces a file created in between.
/// </remarks>
internal static class SecretFile
{
    private const int EEXIST = 17; // the same on Linux and macOS
    private const UnixFileMode OthersAccess =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The file's absolute path: a relative one is resolved against the app's folder, as the SQLite store's path is.</summary>
    public static string FullPath(string path) => Path.GetFullPath(path, AppContext.BaseDirectory);

    /// <summary>Reads the secret at <paramref name="fullPath"/>, creating it first when there is none.</summary>
    public static string LoadOrCreate(string fullPath, ILogger logger)
    {
        if (!File.Exists(fullPath))
        {
            try
            {
                Create(fullPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException(
                    $"The session secret file '{fullPath}' could not be created ({ex.GetType().Name}: {ex.Message}). Point " +
                    "Session:SecretFile at a folder the app's user can write, or set Session:Secret.", ex);
            }
        }

        // Ours, or the one another process linked first.
        return Read(fullPath, logger);
    }

    private static void Create(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
                stream.Flush(flushToDisk: true);
            }

            LinkIntoPlace(temporary, path);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void LinkIntoPlace(string temporary, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temporary, path, overwrite: false); // MoveFileEx without MOVEFILE_REPLACE_EXISTING
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first.
            }

            return;
        }

        if ((OperatingSystem.IsLinux() ? LinuxLink(temporary, path) : UnixLink(temporary, path)) == 0)
        {
            return;
        }

        var error = Marshal.GetLastPInvokeError();
        if (error != EEXIST)
        {
            throw new InvalidOperationException(
                $"The session secret file '{path}' could not be created: link(2) failed with errno {error} (a file system without " +
                "hard links?). Put it on another file system with Session:SecretFile, or set Session:Secret.");
        }
    }

    private static string Read(string path, ILogger logger)
    {
        string secret;
        try
        {
            secret = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The session secret file '{path}' could not be read ({ex.GetType().Name}). Give the app's user read access to it " +
                "(it signs every session cookie, so it must stay the same), or set Session:Secret.", ex);
        }

        if (SigningSecretValidator.IsShort(secret))
        {
            throw new InvalidOperationException(
                $"The session secret file '{path}' holds fewer than {SigningSecretValidator.MinimumBytes} bytes, so it is not a secret " +
                "this app generated (those are 44 characters): it was cut short or written by hand. Instances that are running still " +
                "sign with the secret they read at their start: put that secret back into the file (from a backup or another " +
                "instance's file), or write a new one of at least 32 bytes (openssl rand -base64 32; every current session is then " +
                "lost), or set Session:Secret.");
        }

        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) is var mode && (mode & OthersAccess) != 0)
        {
            logger.SecretFileOpenToOthers(path, Convert.ToString((int)mode, 8));
        }

        return secret;
    }

    // DllImport, not LibraryImport: that one needs unsafe code enabled. "libc.so.6": plain "libc" resolves on Linux only
    // where libc6-dev is installed.
    [DllImport("libc.so.6", EntryPoint = "link", SetLastError = true)]
    private static extern int LinuxLink([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int UnixLink([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);
}
