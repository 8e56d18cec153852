using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

public sealed class IntegrationsE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task Signing_in_and_creating_an_integration_lists_it() => RunAsync(async () =>
    {
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);

        // A sign-in lands on the tenant's home page; the menu leads to the integrations.
        await Expect(Page).ToHaveURLAsync(new Regex($"/t/{PortalServer.Tenant}$"));
        var integrations = new IntegrationsPage(Page);
        await integrations.WaitUntilInteractiveAsync();
        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Integrations" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(IntegrationsPage.PathFor(PortalServer.Tenant))}$"));

        var id = $"e2e-{Guid.NewGuid():N}"[..16];
        var displayName = $"E2E {id}";
        await integrations.CreateAsync(id, displayName, "Created by the browser test.");

        await Expect(integrations.Dialog).ToBeHiddenAsync();
        var row = integrations.RowWith(id);
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync(displayName);
    });

    [Fact]
    public Task A_wrong_password_is_refused_on_the_login_page() => RunAsync(async () =>
    {
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInAsync(PortalServer.AdminEmail, "Not-The-Passw0rd!");

        await Expect(login.Alert).ToHaveTextAsync("E-mail or password is wrong.");
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(LoginPage.Path)}(\\?.*)?$"));
        await Expect(login.SignInButton).ToBeVisibleAsync();
    });
}
