using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Accessibility;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Issue 15 points 2 and 4: a Viewer is told why nothing can be changed; filters and tabs survive a reload.</summary>
public sealed class ViewerAndFiltersE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task A_viewer_sees_the_read_only_notice_no_action_buttons_and_no_empty_new_config_form() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        var (email, password) = await SeededTenant.MemberAsync(Server, "Viewer");
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(email, password);

        var notice = Page.GetByText("Read-only: you are a Viewer of this tenant. Ask an Admin to make changes.");
        await Expect(notice).ToBeVisibleAsync();

        await new IntegrationsPage(Page).OpenAsync(PortalServer.Tenant);
        await Expect(notice).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "New integration" })).ToHaveCountAsync(0);

        await OpenPageAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/new");
        await Expect(Page.GetByText("Only an Admin can create configs.")).ToBeVisibleAsync();
        await Expect(Page.GetByLabel("Display name")).ToHaveCountAsync(0);

        await OpenPageAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/{seeded.Config}");
        await Expect(notice).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Rotate webhook URL" })).ToHaveCountAsync(0);
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Publish" })).ToHaveCountAsync(0);
    });

    [Fact]
    public Task The_integrations_search_and_an_integrations_tab_are_kept_in_the_address_across_a_reload() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);

        await Page.GetByLabel("Search", new() { Exact = true }).FillAsync(seeded.Integration);
        await Expect(Page).ToHaveURLAsync(new Regex($"\\?q={Regex.Escape(seeded.Integration)}$"));
        await Expect(integrations.RowWith(seeded.Integration)).ToHaveCountAsync(1);
        await Expect(integrations.RowWith("Salesforce")).ToHaveCountAsync(0);

        await Page.ReloadAsync();
        await integrations.WaitUntilInteractiveAsync();
        await Expect(Page.GetByLabel("Search", new() { Exact = true })).ToHaveValueAsync(seeded.Integration);
        await Expect(integrations.RowWith(seeded.Integration)).ToHaveCountAsync(1);
        await Expect(integrations.RowWith("Salesforce")).ToHaveCountAsync(0);

        await Page.GotoAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}");
        await integrations.WaitUntilInteractiveAsync();
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Configs" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("\\?tab=configs$"));
        await Page.ReloadAsync();
        await integrations.WaitUntilInteractiveAsync();
        await Expect(Page.GetByRole(AriaRole.Tab, new() { Name = "Configs" })).ToHaveAttributeAsync("aria-selected", "true");
    });
}
