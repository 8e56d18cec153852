using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Accessibility;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Issue 15 points 2 and 3: the home page points at an unpublished config; publish and roll back ask first.</summary>
public sealed class PublishRollbackE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task The_home_page_points_at_a_never_published_config_and_publishing_it_there_clears_it() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await WaitUntilInteractiveAsync();

        var entry = Page.GetByRole(AriaRole.List, new() { Name = "Needs attention" }).GetByRole(AriaRole.Listitem).Filter(new() { HasText = seeded.Integration });
        await Expect(entry).ToContainTextAsync("Never published");
        var item = entry.GetByRole(AriaRole.Link);
        await item.ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/configs/{seeded.Config}$"));
        await WaitUntilInteractiveAsync();

        // Publish asks first; Cancel publishes nothing.
        var dialog = Page.GetByRole(AriaRole.Dialog);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(dialog).ToContainTextAsync("as a new revision");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync(); // closed, not closing: its own "Publish" button is gone (a loaded run found both)
        await Expect(Page.GetByRole(AriaRole.List, new() { Name = "Revisions" })).ToHaveCountAsync(0);
        await Page.Locator("#main").GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(Page.GetByText("Published as a new revision.")).ToBeVisibleAsync();

        await OpenPageAsync($"/t/{PortalServer.Tenant}");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Recent activity" })).ToBeVisibleAsync();
        await Expect(Page.Locator(".attention-item").Filter(new() { HasText = seeded.Integration })).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Rolling_back_asks_first_then_publishes_the_older_revision_and_the_page_stays_accessible() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        var config = $"/v1/tenants/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/{seeded.Config}";
        using (var api = await Server.ApiAsync())
        {
            (await api.PostAsync($"{config}:publish", null)).EnsureSuccessStatusCode();
            (await api.PatchAsJsonAsync(config, new { displayName = "Production v2" })).EnsureSuccessStatusCode();
            (await api.PostAsync($"{config}:publish", null)).EnsureSuccessStatusCode();
        }

        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await OpenPageAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/{seeded.Config}");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Production v2", Level = 1 })).ToBeVisibleAsync();

        var violations = await A11y.SeriousViolationsAsync(Page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));

        await Page.GetByRole(AriaRole.Button, new() { Name = "Roll back to revision 1" }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeFocusedAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Production", Level = 1, Exact = true })).ToBeVisibleAsync();
    });
}
