using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

/// <summary>
/// The generated secret's file: created whole and once however many starts race, owner-only, and a damaged or exposed
/// file is a clear error or warning at startup. Unix file modes: Linux and macOS.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretFileTests : IDisposable
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";
    private readonly string _folder = Directory.CreateTempSubdirectory("serversessions-secretfile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task RacingFirstStarts_AllUseTheOneSecretThatWasLinkedFirst()
    {
        for (var round = 0; round < 20; round++)
        {
            var path = Path.Combine(_folder, $"round-{round}", "session-secret");
            using var gate = new ManualResetEventSlim();
            // Dedicated threads, not pool tasks: on two cores the pool would run them one after another.
            var starts = Enumerable.Range(0, 12)
                .Select(_ => Task.Factory.StartNew(
                    () =>
                    {
                        gate.Wait(Bounded.Limit);
                        return SecretFile.LoadOrCreate(path, NullLogger.Instance);
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default))
                .ToList();
            gate.Set();

            var secrets = await Task.WhenAll(starts).Within($"12 racing creators of {path}");

            Assert.Single(secrets.Distinct());
            Assert.Equal(secrets[0], File.ReadAllText(path));
            Assert.Equal(44, secrets[0].Length); // 256 bits in base64
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
        }
    }

    [Fact]
    public void ShortFile_IsAStartupError_NamingThePath_WithoutSayingDelete()
    {
        var path = Path.Combine(_folder, "session-secret");
        File.WriteAllText(path, "cut-short"); // a crash mid-write of the old code left such files
        using var app = StartupTests.Build(new() { ["Session:SecretFile"] = path });

        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());

        Assert.Contains($"'{path}' holds fewer than 32 bytes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("delete", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("cut-short", File.ReadAllText(path)); // left as it was
    }

    [Fact]
    public void UnreadableFile_IsAStartupError_NamingThePath_WithoutSayingDelete()
    {
        // A folder where the file should be: unreadable as a file even for root, who reads any mode.
        var path = Directory.CreateDirectory(Path.Combine(_folder, "session-secret")).FullName;
        using var app = StartupTests.Build(new() { ["Session:SecretFile"] = path });

        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());

        Assert.Contains($"'{path}' could not be read", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("delete", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void FileThatCannotBeCreated_IsAStartupError_NamingThePathAndTheSettings()
    {
        var notAFolder = Path.Combine(_folder, "a-file");
        File.WriteAllText(notAFolder, string.Empty);
        var path = Path.Combine(notAFolder, "session-secret");
        using var app = StartupTests.Build(new() { ["Session:SecretFile"] = path });

        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());

        Assert.Contains($"'{path}' could not be created", error.Message, StringComparison.Ordinal);
        Assert.Contains("Session:SecretFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileOthersCanRead_StartsWithAWarningNamingIt()
    {
        var path = Path.Combine(_folder, "session-secret");
        File.WriteAllText(path, Secret);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var log = new LogLines();
        using var app = StartupTests.Build(new() { ["Session:SecretFile"] = path }, log: log);

        app.UseServerSessions();

        const string id = "abcdefghijklmnopqrstuvwxyz012345";
        Assert.Equal(new CookieSigner([Secret]).Sign(id), app.Services.GetRequiredService<SessionRuntime>().Signer.Sign(id));
        var warning = Assert.Single(log.All, e => e.EventId == 2072);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(path, warning.Message, StringComparison.Ordinal);
        Assert.Contains("644", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.All, e => e.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public void OwnerOnlyFile_StartsWithoutThatWarning()
    {
        var path = Path.Combine(_folder, "session-secret");
        File.WriteAllText(path, Secret);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var log = new LogLines();
        using var app = StartupTests.Build(new() { ["Session:SecretFile"] = path }, log: log);

        app.UseServerSessions();

        Assert.DoesNotContain(log.All, e => e.EventId == 2072);
    }

    [Fact]
    public void RelativePath_ResolvesAgainstTheAppFolder()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "data", "session-secret"), SecretFile.FullPath(Path.Combine("data", "session-secret")));
        Assert.Equal(Path.Combine(_folder, "s"), SecretFile.FullPath(Path.Combine(_folder, "s")));
    }
}
