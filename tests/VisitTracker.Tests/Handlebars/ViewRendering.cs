using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Mvc.ViewEngines;
using Microsoft.AspNetCore.Routing;

namespace VisitTracker.Tests.Handlebars;

/// <summary>Finds and renders a view the way MVC's view executor does, into a string.</summary>
internal static class ViewRendering
{
    public static ActionContext ActionContext() => new(new DefaultHttpContext(), new RouteData(), new ActionDescriptor());

    public static async Task<string> RenderAsync(IViewEngine engine, string name, object? model = null)
    {
        var actionContext = ActionContext();
        var found = engine.FindView(actionContext, name, isMainPage: true);
        Assert.True(found.Success, $"View '{name}' not found; searched: {string.Join(", ", found.SearchedLocations)}");

        var viewData = new ViewDataDictionary(new EmptyModelMetadataProvider(), new ModelStateDictionary()) { Model = model };
        var tempData = new TempDataDictionary(actionContext.HttpContext, new NoTempData());
        using var writer = new StringWriter();
        var viewContext = new ViewContext(actionContext, found.View, viewData, tempData, writer, new HtmlHelperOptions());
        await found.View.RenderAsync(viewContext);
        return writer.ToString();
    }

    private sealed class NoTempData : ITempDataProvider
    {
        public IDictionary<string, object> LoadTempData(HttpContext context) => new Dictionary<string, object>();

        public void SaveTempData(HttpContext context, IDictionary<string, object> values)
        {
        }
    }
}
