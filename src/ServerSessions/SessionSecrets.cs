using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// The secrets that sign and verify session cookies: the configured ones; else one generated and kept in
/// <see cref="ServerSessionOptions.SecretFile"/>; else one generated for this process alone. A store shared between
/// instances gets no generated secret.
/// </summary>
/// <remarks>
/// A shared store without a secret is an <see cref="InvalidOperationException"/> when the runtime is resolved, not an
/// options validation failure: the options are valid in themselves, and whether the chosen store is shared is known
/// only from the store registrations.
/// </remarks>
internal static class SessionSecrets
{
    public static IReadOnlyList<string> Resolve(ServerSessionOptions options, SessionStoreRegistration store, ILogger logger)
    {
        if (options.AllowShortSecretForMigration)
        {
            logger.ShortSecretAllowedForMigration();
        }

        if (options.Secrets is { Count: > 0 } secrets)
        {
            for (var i = 1; i < secrets.Count; i++)
            {
                if (SigningSecretValidator.IsShort(secrets[i]))
                {
                    logger.ShortVerifyingSecret(i);
                }
            }

            return [.. secrets];
        }

        if (options.Secret is { Length: > 0 } secret)
        {
            return [secret];
        }

        if (store.Shared)
        {
            throw new InvalidOperationException(
                $"The '{store.Name}' session store is shared between app instances, so Session:Secret (or Session:Secrets) must be " +
                "set, the same on every instance: a generated secret would differ per instance, and no instance would accept " +
                "another's cookies.");
        }

        if (options.SecretFile is { Length: > 0 } path)
        {
            var fullPath = SecretFile.FullPath(path);
            logger.GeneratedSecret(fullPath);
            return [SecretFile.LoadOrCreate(fullPath, logger)];
        }

        logger.EphemeralSecret();
        return [Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))];
    }
}
