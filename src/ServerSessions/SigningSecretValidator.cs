using System.Text;
using Microsoft.Extensions.Options;

namespace ServerSessions;

/// <summary>
/// Rejects a signing secret shorter than 32 bytes (UTF-8), the size of the HMAC-SHA256 key it becomes, unless
/// <see cref="ServerSessionOptions.AllowShortSecretForMigration"/> says an app being migrated signs with it. Secrets that
/// only verify may be shorter: <see cref="SessionSecrets"/> warns about them.
/// </summary>
internal sealed class SigningSecretValidator : IValidateOptions<ServerSessionOptions>
{
    public const int MinimumBytes = 32;

    public static bool IsShort(string secret) => Encoding.UTF8.GetByteCount(secret) < MinimumBytes;

    public ValidateOptionsResult Validate(string? name, ServerSessionOptions options)
    {
        var (setting, secret) = options.Secrets is { Count: > 0 } secrets ? ("Session:Secrets:0", secrets[0]) : ("Session:Secret", options.Secret);
        if (string.IsNullOrEmpty(secret) || !IsShort(secret) || options.AllowShortSecretForMigration)
        {
            return ValidateOptionsResult.Success; // none (generated, or reported empty elsewhere), or long enough, or allowed
        }

        return ValidateOptionsResult.Fail(
            $"{setting} is shorter than {MinimumBytes} bytes (UTF-8), short enough to be guessed and every cookie forged. Use a random " +
            $"one of {MinimumBytes} bytes or more (openssl rand -base64 32). To keep signing with a shorter secret that an app being " +
            "migrated signs with (its cookies stay valid), set Session:AllowShortSecretForMigration=true; a warning is logged at every start.");
    }
}
