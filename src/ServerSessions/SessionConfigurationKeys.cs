using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace ServerSessions;

/// <summary>
/// Finds keys under the <c>Session</c> section that no option has, so a misspelled setting (<c>Session__Secert</c>)
/// stops the app at startup instead of being silently ignored. Sub-sections named after a registered store
/// (<c>Session:Sqlite</c>) belong to that store, which checks its own keys.
/// </summary>
internal static class SessionConfigurationKeys
{
    public static IReadOnlyList<string> FindUnknown(IConfiguration section, IEnumerable<string> storeSections)
    {
        var unknown = new List<string>();
        var stores = new HashSet<string>(storeSections, StringComparer.OrdinalIgnoreCase);
        Walk(section, typeof(ServerSessionOptions), stores, unknown);
        return unknown;
    }

    private static void Walk(IConfiguration section, Type type, HashSet<string> stores, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                if (!(type == typeof(ServerSessionOptions) && stores.Contains(child.Key)))
                {
                    unknown.Add(child.Path);
                }
            }
            else if (property.PropertyType == typeof(SessionCookieOptions) || property.PropertyType == typeof(NewSessionLimitOptions))
            {
                Walk(child, property.PropertyType, stores, unknown);
            }
        }
    }
}
