using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E.Accessibility;

/// <summary>
/// Issue 15 point 7: every page, as an Admin sees it with data in it, has one main landmark, one h1 and no serious or
/// critical axe-core violation; at 390 px nothing scrolls sideways and the menu sits behind a button.
/// </summary>
public sealed class AccessibilityE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    private static string T(string path) => $"/t/{PortalServer.Tenant}{path}";

    private static IEnumerable<(string Name, string Path)> Pages(SeededTenant seeded) =>
    [
        ("home", T("")),
        ("integrations", T("/integrations")),
        ("integration overview", T($"/integrations/{seeded.Integration}")),
        ("integration configs tab", T($"/integrations/{seeded.Integration}?tab=configs")),
        ("integration MCP tab", T($"/integrations/{seeded.Integration}?tab=mcp")),
        ("integration key tab", T($"/integrations/{seeded.Integration}?tab=integration-key")),
        ("new config", T($"/integrations/{seeded.Integration}/configs/new")),
        ("config editor", T($"/integrations/{seeded.Integration}/configs/{seeded.Config}")),
        ("webhook events", T($"/integrations/{seeded.Integration}/configs/{seeded.Config}/events")),
        ("signing secrets", T("/signing-secrets")),
        ("API clients", T("/api-clients")),
        ("keys", T("/keys")),
        ("key policy", T("/settings/keys")),
        ("members", T("/members")),
        ("audit log", T("/audit")),
        ("tenants", "/tenants"),
        ("unknown address", "/no-such-page"),
    ];

    [Fact]
    public Task Every_signed_in_page_has_one_main_one_h1_and_no_serious_axe_violation() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        await new LoginPage(Page).OpenAsync().ContinueWith(t => t.Result.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword)).Unwrap();
        await Page.WaitForURLAsync(url => url.Contains("/t/"));

        var failures = new List<string>();
        foreach (var (name, path) in Pages(seeded))
        {
            await OpenAsync(path);
            var (mains, h1s) = await A11y.LandmarksAsync(Page);
            if (mains != 1 || h1s != 1)
            {
                failures.Add($"{name} ({path}): {mains} main landmark(s), {h1s} h1 heading(s); expected one of each");
            }

            failures.AddRange((await A11y.SeriousViolationsAsync(Page)).Select(v => $"{name} ({path}): {v}"));
        }

        Assert.True(failures.Count == 0, "Accessibility failures:\n" + string.Join("\n", failures));
    });

    [Fact]
    public Task The_sign_in_page_is_accessible_too() => RunAsync(async () =>
    {
        await new LoginPage(Page).OpenAsync();
        var (mains, h1s) = await A11y.LandmarksAsync(Page);
        Assert.Equal((1, 1), (mains, h1s));
        var violations = await A11y.SeriousViolationsAsync(Page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    });

    [Fact]
    public Task At_390_px_no_page_scrolls_sideways_and_the_menu_opens_from_a_button() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        await Page.SetViewportSizeAsync(390, 844);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await Page.WaitForURLAsync(url => url.Contains("/t/"));

        var wide = new List<string>();
        foreach (var (name, path) in Pages(seeded))
        {
            await OpenAsync(path);
            if (await A11y.ScrollsSidewaysAsync(Page))
            {
                wide.Add($"{name} ({path}) is {await Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")} px wide");
            }
        }

        Assert.True(wide.Count == 0, "Pages wider than a 390 px screen:\n" + string.Join("\n", wide));

        // The menu is closed on a phone; its button opens it and a choice closes it again.
        await OpenAsync(T(""));
        var menu = Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(menu).Not.ToBeInViewportAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Open menu", Exact = true }).ClickAsync();
        await Expect(menu).ToBeInViewportAsync();
        await menu.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/audit$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Audit log", Level = 1 })).ToBeVisibleAsync();
        await Expect(menu).Not.ToBeInViewportAsync();
    });

    [Fact]
    public Task An_unknown_address_shows_the_styled_not_found_page_with_a_way_back() => RunAsync(async () =>
    {
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await Page.WaitForURLAsync(url => url.Contains("/t/"));
        var response = await Page.GotoAsync("/no/such/page");
        Assert.Equal(404, response!.Status);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Page not found", Level = 1 })).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Link, new() { Name = "Go to the start page" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/t/{PortalServer.Tenant}$"));
    });

    private async Task OpenAsync(string path)
    {
        await OpenPageAsync(path);
        // Pages load their data after the circuit starts: wait until no progress bar is left.
        await Expect(Page.Locator(".mud-progress-linear")).ToHaveCountAsync(0);
    }
}
