using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewEngines;

namespace VisitTracker.Handlebars;

/// <summary>
/// One Handlebars page, wrapped in the <c>layout</c> template when the views folder has one, as the npm hbs package
/// does: the page renders first, then the layout renders with the page in <c>{{{body}}}</c>. A model member
/// <c>layout = false</c> renders the page alone.
/// </summary>
internal sealed class HandlebarsView(HandlebarsTemplates templates, string name) : IView
{
    private const string Layout = "layout";

    public string Path => templates.PathOf(name) ?? name;

    public async Task RenderAsync(ViewContext context)
    {
        var locals = HandlebarsLocals.From(context.ViewData.Model);
        var html = templates.Render(name, locals);
        if (!(locals.TryGetValue(Layout, out var layout) && layout is false) && templates.Exists(Layout))
        {
            locals["body"] = html;
            html = templates.Render(Layout, locals);
        }

        // One asynchronous write: the response writer would otherwise flush synchronously, which Kestrel forbids.
        await context.Writer.WriteAsync(html);
    }
}
