using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Portal.E2E.Infrastructure;

/// <summary>axe-core on the page as a user sees it now, and the landmarks every page must have.</summary>
public static class A11y
{
    private static readonly AxeRunOptions Options = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    };

    /// <summary>The serious and critical violations, one line each with the rule, what it says and where.</summary>
    public static async Task<List<string>> SeriousViolationsAsync(IPage page)
    {
        var result = await page.RunAxe(Options);
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .SelectMany(v => v.Nodes.Select(n => $"{v.Impact} {v.Id}: {v.Help} at {string.Join(" ", n.Target?.ToString() ?? "")} {Shorten(n.Html)}"))
            .ToList();
    }

    /// <summary>How many <c>main</c> landmarks and <c>h1</c> headings the page has (each must be one).</summary>
    public static async Task<(int Mains, int H1s)> LandmarksAsync(IPage page) =>
        (await page.Locator("main, [role=main]").CountAsync(), await page.Locator("h1").CountAsync());

    /// <summary>Whether the page scrolls sideways (its content is wider than the screen).</summary>
    public static Task<bool> ScrollsSidewaysAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1");

    private static string Shorten(string? html) => html is null ? "" : html.Length <= 160 ? html : html[..160] + "…";
}
