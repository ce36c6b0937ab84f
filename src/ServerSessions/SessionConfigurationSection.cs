using Microsoft.Extensions.Configuration;

namespace ServerSessions;

/// <summary>The configuration section the options were bound from, kept to check it for misspelled keys.</summary>
internal sealed record SessionConfigurationSection(IConfiguration? Section);
