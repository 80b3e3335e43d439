using CallService.OperatorConsole;

namespace CallService.Tests.OperatorConsole;

/// <summary>The console's embedded files: every file of <c>OperatorConsole/wwwroot</c> is served with its media type.</summary>
public sealed class ConsoleAssetsTests
{
    private static readonly string Wwwroot = Path.Combine(FindRoot(), "src", "CallService", "OperatorConsole", "wwwroot");

    [Fact]
    public void EveryPageFile_AndTheSamplesMpegtsJs_AreEmbedded_WithTheirContentTypes()
    {
        var assets = new ConsoleAssets();
        var expected = Directory.GetFiles(Wwwroot).Select(Path.GetFileName).Append("mpegts.js").Append("mpegts.js.LICENSE.txt");

        Assert.Equal(expected.Order(StringComparer.Ordinal), assets.Names.Order(StringComparer.Ordinal));
        Assert.Equal("text/html; charset=utf-8", assets.Find("index.html")!.ContentType);
        Assert.Equal("text/javascript; charset=utf-8", assets.Find("app.js")!.ContentType);
        Assert.Equal("text/css; charset=utf-8", assets.Find("console.css")!.ContentType);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Wwwroot, "app.js")), assets.Find("app.js")!.Content);
    }

    [Theory]
    [InlineData("../appsettings.json")]
    [InlineData("appsettings.json")]
    [InlineData("CallService.dll")]
    [InlineData("")]
    public void NamesOutsideTheList_AreNotFound(string name) => Assert.Null(new ConsoleAssets().Find(name));

    [Theory]
    [InlineData("x.png")]
    [InlineData("x.json")]
    [InlineData("x")]
    public void FilesOfOtherTypes_HaveNoContentType_SoTheyAreNeverServed(string name) => Assert.Null(ConsoleAssets.ContentTypeOf(name));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CallService.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("CallService.sln not found above " + AppContext.BaseDirectory);
    }
}
