using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Portal.E2E.Infrastructure;

/// <summary>
/// One fresh browser context and page per test. Run the test body through <see cref="RunAsync"/>:
/// on failure it saves a screenshot and a Playwright trace under TestResults/ and adds the
/// browser's console errors to the failure message.
/// </summary>
[Collection(PortalCollection.Name)]
public abstract class BrowserTest(PortalServer server, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<string> _browserErrors = [];
    private IBrowserContext? _context;
    private long _serverLogMark;

    protected PortalServer Server { get; } = server;

    protected ITestOutputHelper Output { get; } = output;

    protected IPage Page { get; private set; } = default!;

    public virtual async Task InitializeAsync()
    {
        _serverLogMark = Server.Log.Mark();
        _context = await Server.NewContextAsync();
        _context.SetDefaultTimeout(PortalServer.ActionTimeoutMs);
        await _context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true });
        Page = await _context.NewPageAsync();
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _browserErrors.Add($"console: {message.Text}");
            }
        };
        Page.PageError += (_, error) => _browserErrors.Add($"page error: {error}");
        Page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                _browserErrors.Add($"HTTP {response.Status} {response.Request.Method} {response.Url}");
            }
        };
        Page.RequestFailed += (_, request) => _browserErrors.Add($"request failed: {request.Method} {request.Url}: {request.Failure}");
    }

    /// <summary>The page is prerendered: buttons show before the circuit can handle a click. The layout flips this marker once it can.</summary>
    protected Task WaitUntilInteractiveAsync() =>
        Page.Locator("#circuit-ready[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>Opens <paramref name="path"/> and waits until the page can be used.</summary>
    protected async Task OpenPageAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitUntilInteractiveAsync();
    }

    protected async Task RunAsync(Func<Task> test, [CallerMemberName] string name = "")
    {
        try
        {
            await test();
        }
        catch (Exception failure)
        {
            var saved = await SaveEvidenceAsync(name);
            var serverLog = Server.Log.Since(_serverLogMark);
            throw new E2EFailureException(
                $"{failure.Message}\n\nPage: {Page.Url}\nSaved: {string.Join(", ", saved)}" +
                (_browserErrors.Count > 0 ? $"\nBrowser errors:\n  {string.Join("\n  ", _browserErrors)}" : "") +
                (serverLog.Count > 0 ? $"\nServer warnings and errors (may include other tests running at the same time):\n  {string.Join("\n  ", serverLog)}" : ""),
                failure);
        }
    }

    private async Task<List<string>> SaveEvidenceAsync(string name)
    {
        var directory = ResultsDirectory();
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        var saved = new List<string>();
        try
        {
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = stem + ".png", FullPage = true });
            saved.Add(stem + ".png");
            await _context!.Tracing.StopAsync(new TracingStopOptions { Path = stem + ".trace.zip" });
            saved.Add(stem + ".trace.zip (open with: npx playwright show-trace)");
        }
        catch (PlaywrightException e)
        {
            saved.Add($"(evidence incomplete: {e.Message})");
        }

        foreach (var file in saved)
        {
            Output.WriteLine($"Saved {file}");
        }

        return saved;
    }

    /// <summary>tests/E2E/TestResults when run from the repository, else next to the test binaries.</summary>
    protected static string ResultsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "E2E.csproj")))
            {
                return Path.Combine(dir.FullName, "TestResults");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }
}

public sealed class E2EFailureException(string message, Exception inner) : Exception(message, inner);
