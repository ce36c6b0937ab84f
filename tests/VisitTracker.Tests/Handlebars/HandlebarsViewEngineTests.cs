using VisitTracker.Handlebars;

namespace VisitTracker.Tests.Handlebars;

public sealed class HandlebarsViewEngineTests : IDisposable
{
    private readonly TempFolder _views = new();

    public void Dispose() => _views.Dispose();

    [Fact]
    public async Task View_RendersModel()
    {
        _views.Write("index.hbs", "<h1>{{message}}</h1>");

        var html = await ViewRendering.RenderAsync(new HandlebarsViewEngine(_views.Path), "index", new { message = "hi" });

        Assert.Equal("<h1>hi</h1>", html);
    }

    [Fact]
    public async Task View_AcceptsDictionaryModel()
    {
        _views.Write("index.hbs", "<h1>{{message}}</h1>");

        var model = new Dictionary<string, object?> { ["message"] = "from a dictionary" };
        var html = await ViewRendering.RenderAsync(new HandlebarsViewEngine(_views.Path), "index", model);

        Assert.Equal("<h1>from a dictionary</h1>", html);
    }

    [Fact]
    public async Task Layout_WrapsPage_WhenPresent()
    {
        _views.Write("layout.hbs", "<html><title>{{title}}</title><body>{{{body}}}</body></html>");
        _views.Write("index.hbs", "<h1>{{title}}</h1>");

        var html = await ViewRendering.RenderAsync(new HandlebarsViewEngine(_views.Path), "index", new { title = "T&C" });

        Assert.Equal("<html><title>T&amp;C</title><body><h1>T&amp;C</h1></body></html>", html);
    }

    [Fact]
    public async Task Layout_IsNotUsed_WhenAbsent()
    {
        _views.Write("index.hbs", "<!DOCTYPE html><html><body>{{x}}</body></html>");

        var html = await ViewRendering.RenderAsync(new HandlebarsViewEngine(_views.Path), "index", new { x = 1 });

        Assert.Equal("<!DOCTYPE html><html><body>1</body></html>", html);
    }

    [Fact]
    public async Task LayoutFalse_RendersPageAlone()
    {
        _views.Write("layout.hbs", "<layout>{{{body}}}</layout>");
        _views.Write("index.hbs", "<p>alone</p>");

        var html = await ViewRendering.RenderAsync(new HandlebarsViewEngine(_views.Path), "index", new { layout = false });

        Assert.Equal("<p>alone</p>", html);
    }

    [Fact]
    public async Task PartialsAndLayout_WorkTogether()
    {
        _views.Write("partials/footer.hbs", "<footer>{{who}}</footer>");
        _views.Write("layout.hbs", "<body>{{{body}}}{{> footer}}</body>");
        _views.Write("index.hbs", "<h1>{{who}}</h1>");

        var html = await ViewRendering.RenderAsync(new HandlebarsViewEngine(_views.Path), "index", new { who = "<me>" });

        Assert.Equal("<body><h1>&lt;me&gt;</h1><footer>&lt;me&gt;</footer></body>", html);
    }

    [Fact]
    public void MissingView_IsNotFound_ListingTheFileSearched()
    {
        var engine = new HandlebarsViewEngine(_views.Path);

        var result = engine.FindView(ViewRendering.ActionContext(), "nope", isMainPage: true);

        Assert.False(result.Success);
        Assert.Equal([Path.Combine(_views.Path, "nope.hbs")], result.SearchedLocations);

        // What MVC's view executor throws with it.
        var error = Assert.Throws<InvalidOperationException>(() => result.EnsureSuccessful(originalLocations: null));
        Assert.Contains(Path.Combine(_views.Path, "nope.hbs"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ViewByPath_IsNotFound()
    {
        _views.Write("index.hbs", "x");
        var engine = new HandlebarsViewEngine(_views.Path);
        Assert.True(engine.FindView(ViewRendering.ActionContext(), "index", isMainPage: true).Success); // found by its name

        var result = engine.GetView(null, "/index.hbs", isMainPage: true);

        Assert.False(result.Success);
    }
}
