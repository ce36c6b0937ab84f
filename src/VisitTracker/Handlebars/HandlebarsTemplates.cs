using System.Collections.Concurrent;
using HandlebarsDotNet;

namespace VisitTracker.Handlebars;

/// <summary>
/// The templates of one views folder: <c>&lt;name&gt;.hbs</c> files, with every <c>partials/*.hbs</c> registered as a
/// partial named after its file (as <c>hbs.registerPartials</c> does). Each template is compiled once, on first use,
/// and kept for the life of the app, as Express does with its view cache on.
/// </summary>
internal sealed class HandlebarsTemplates
{
    private const string Extension = ".hbs";

    private readonly string _root;
    private readonly IHandlebars _handlebars = HandlebarsDotNet.Handlebars.Create();
    private readonly ConcurrentDictionary<string, Lazy<HandlebarsTemplate<object, object>>> _compiled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _exists = new(StringComparer.Ordinal);

    // Handlebars.Net does not document its compiler as thread-safe; compiling is rare, so compiles take turns.
    private readonly Lock _compiling = new();

    public HandlebarsTemplates(string viewsDirectory)
    {
        _root = Path.GetFullPath(viewsDirectory);

        // Partials are registered up front, before any render, so no two requests race to register them.
        var partials = Path.Combine(_root, "partials");
        if (Directory.Exists(partials))
        {
            foreach (var file in Directory.EnumerateFiles(partials, "*" + Extension))
            {
                _handlebars.RegisterTemplate(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file));
            }
        }
    }

    /// <summary>The file a template name maps to, or <see langword="null"/> when the name would leave the views folder.</summary>
    public string? PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(_root, name + Extension));
        return path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? path : null;
    }

    /// <summary>
    /// Whether the template exists (it was compiled already, or its file is there). The answer is kept, like the
    /// compiled templates: every page asks about the layout, and a file lookup per request costs more than the render.
    /// </summary>
    public bool Exists(string name) =>
        _compiled.ContainsKey(name) || _exists.GetOrAdd(name, n => PathOf(n) is { } path && File.Exists(path));

    /// <summary>Renders a template with the given context.</summary>
    /// <exception cref="FileNotFoundException">The template does not exist.</exception>
    public string Render(string name, object context) => Compiled(name)(context);

    private HandlebarsTemplate<object, object> Compiled(string name)
    {
        // Lazy makes concurrent first requests for one template share a single compilation.
        var compiled = _compiled.GetOrAdd(name, n => new Lazy<HandlebarsTemplate<object, object>>(() => Compile(n)));
        try
        {
            return compiled.Value;
        }
        catch
        {
            // Don't keep a failure: the file may be deployed or fixed later.
            _compiled.TryRemove(KeyValuePair.Create(name, compiled));
            throw;
        }
    }

    private HandlebarsTemplate<object, object> Compile(string name)
    {
        var path = PathOf(name);
        if (path is null || !File.Exists(path))
        {
            throw new FileNotFoundException($"The Handlebars template '{name}' does not exist in '{_root}'.", path);
        }

        var source = File.ReadAllText(path);
        lock (_compiling)
        {
            return _handlebars.Compile(source);
        }
    }
}
