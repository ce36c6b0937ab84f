using ServerSessions.Testing;
using VisitTracker.Handlebars;

namespace VisitTracker.Tests.Handlebars;

public sealed class HandlebarsTemplatesTests : IDisposable
{
    private readonly TempFolder _views = new();

    public void Dispose() => _views.Dispose();

    [Fact]
    public void Partial_IsRegisteredByFileName()
    {
        _views.Write("partials/footer.hbs", "<footer>{{note}}</footer>");
        _views.Write("page.hbs", "<main></main>{{> footer}}");

        var html = new HandlebarsTemplates(_views.Path).Render("page", new { note = "bye" });

        Assert.Equal("<main></main><footer>bye</footer>", html);
    }

    [Fact]
    public void DoubleBraces_EscapeHtml_TripleBracesDoNot()
    {
        _views.Write("page.hbs", "{{x}}|{{{x}}}");

        var html = new HandlebarsTemplates(_views.Path).Render("page", new { x = "<b>\"&'</b>" });

        Assert.StartsWith("&lt;b&gt;&quot;&amp;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html.Split('|')[0], StringComparison.Ordinal);
        Assert.EndsWith("|<b>\"&'</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_IsCompiledOnce_AndKept()
    {
        var file = _views.Write("page.hbs", "first {{n}}");
        var templates = new HandlebarsTemplates(_views.Path);
        Assert.Equal("first 1", templates.Render("page", new { n = 1 }));

        File.WriteAllText(file, "second {{n}}");

        Assert.Equal("first 2", templates.Render("page", new { n = 2 }));
    }

    [Fact]
    public async Task ConcurrentFirstRenders_ShareOneTemplate()
    {
        var file = _views.Write("page.hbs", "<p>{{n}}</p>");
        var templates = new HandlebarsTemplates(_views.Path);
        using var start = new Barrier(8);

        // A thread each (not pool threads, which a busy machine hands out slowly), all rendering once all eight are there.
        var renders = Enumerable.Range(0, 8).Select(n => Task.Factory.StartNew(
            () =>
            {
                Assert.True(start.SignalAndWait(Bounded.Limit), "The eight renders never were ready at once.");
                return templates.Render("page", new { n });
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        var html = await Task.WhenAll(renders).Within("eight concurrent first renders");

        Assert.Equal(Enumerable.Range(0, 8).Select(n => $"<p>{n}</p>"), html);
        File.WriteAllText(file, "changed");
        Assert.Equal("<p>9</p>", templates.Render("page", new { n = 9 }));
    }

    [Fact]
    public void MissingTemplate_ThrowsFileNotFound_NamingIt()
    {
        var templates = new HandlebarsTemplates(_views.Path);

        var error = Assert.Throws<FileNotFoundException>(() => templates.Render("nope", new { }));

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_views.Path, "nope.hbs"), error.FileName);
    }

    [Fact]
    public void MissingTemplate_IsFoundOnceItIsDeployed()
    {
        var templates = new HandlebarsTemplates(_views.Path);
        Assert.Throws<FileNotFoundException>(() => templates.Render("late", new { }));

        _views.Write("late.hbs", "here");

        Assert.Equal("here", templates.Render("late", new { }));
    }

    [Theory]
    [InlineData("../secret")]
    [InlineData("/etc/passwd")]
    [InlineData("partials/../../secret")]
    public void NameLeavingTheFolder_HasNoPath(string name)
    {
        var templates = new HandlebarsTemplates(_views.Path);
        Assert.Equal(Path.Combine(_views.Path, "partials", "footer.hbs"), templates.PathOf("partials/footer")); // a name inside has one

        Assert.Null(templates.PathOf(name));
    }
}
