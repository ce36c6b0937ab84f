using Microsoft.AspNetCore.Mvc;

namespace VisitTracker.Handlebars;

/// <summary>Makes Handlebars MVC's only view engine.</summary>
internal static class HandlebarsMvcBuilderExtensions
{
    /// <summary>Renders views from <paramref name="viewsDirectory"/>, with its <c>partials</c> folder and optional <c>layout.hbs</c>.</summary>
    public static IMvcBuilder AddHandlebarsViews(this IMvcBuilder mvc, string viewsDirectory)
    {
        var engine = new HandlebarsViewEngine(viewsDirectory);
        return mvc.AddViewOptions(options =>
        {
            options.ViewEngines.Clear();
            options.ViewEngines.Add(engine);
        });
    }
}
