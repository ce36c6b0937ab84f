using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewEngines;

namespace VisitTracker.Handlebars;

/// <summary>
/// MVC's view engine over Handlebars (Express's <c>app.setViewEngine('hbs')</c>): <c>View("index")</c> renders
/// <c>views/index.hbs</c>.
/// </summary>
internal sealed class HandlebarsViewEngine(string viewsDirectory) : IViewEngine
{
    private readonly HandlebarsTemplates _templates = new(viewsDirectory);

    public ViewEngineResult FindView(ActionContext context, string viewName, bool isMainPage) =>
        _templates.Exists(viewName)
            ? ViewEngineResult.Found(viewName, new HandlebarsView(_templates, viewName))
            : ViewEngineResult.NotFound(viewName, _templates.PathOf(viewName) is { } path ? [path] : []);

    // Views are found by name only, never by a path (MVC asks for a path first and falls back to FindView).
    public ViewEngineResult GetView(string? executingFilePath, string viewPath, bool isMainPage) =>
        ViewEngineResult.NotFound(viewPath, []);
}
