using System.Collections;
using System.Globalization;
using System.Reflection;

namespace VisitTracker.Handlebars;

/// <summary>
/// The values a template sees, as a dictionary: the model's top-level members, so that a layout can add
/// <c>body</c> beside them as hbs adds it to Express's locals.
/// </summary>
internal static class HandlebarsLocals
{
    public static Dictionary<string, object?> From(object? model)
    {
        var locals = new Dictionary<string, object?>(StringComparer.Ordinal);
        switch (model)
        {
            case null:
                break;
            case IDictionary<string, object?> dictionary:
                foreach (var (key, value) in dictionary)
                {
                    locals[key] = value;
                }

                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    locals[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = entry.Value;
                }

                break;
            default:
                foreach (var property in model.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.GetIndexParameters().Length == 0)
                    {
                        locals[property.Name] = property.GetValue(model);
                    }
                }

                break;
        }

        return locals;
    }
}
