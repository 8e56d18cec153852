using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>The integration dialog's structured editors in a real browser, and the confirmation before an edit breaks a config.</summary>
public sealed class IntegrationEditorE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    private ILocator Dialog => Page.GetByRole(AriaRole.Dialog).Filter(new() { Has = Page.GetByRole(AriaRole.Tab, new() { Name = "Details", Exact = true }) });

    private ILocator Tab(string name) => Dialog.GetByRole(AriaRole.Tab, new() { Name = name, Exact = true });

    private ILocator Group(string name) => Dialog.GetByRole(AriaRole.Group, new() { Name = name, Exact = true });

    private ILocator Button(ILocator scope, string name) => scope.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    /// <summary>Opens a MudSelect by its label and picks the item showing <paramref name="item"/>.</summary>
    private async Task ChooseAsync(ILocator scope, string label, string item)
    {
        await scope.GetByRole(AriaRole.Combobox, new() { Name = label, Exact = true }).ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item", new() { HasText = item }).First.ClickAsync();
        await Expect(scope.GetByRole(AriaRole.Combobox, new() { Name = label, Exact = true })).ToHaveTextAsync(item);
    }

    [Fact]
    public Task An_integration_built_in_the_editor_gets_a_config_and_removing_its_auth_method_asks_first_naming_the_config() => RunAsync(async () =>
    {
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);

        // Details, two parameters and an OAuth method, all through the forms.
        var id = $"edit-{Guid.NewGuid():N}"[..17];
        await integrations.NewIntegrationButton.ClickAsync();
        await Dialog.GetByLabel("Id", new() { Exact = true }).FillAsync(id);
        await Dialog.GetByLabel("Display name", new() { Exact = true }).FillAsync($"Editor {id}");

        await Tab("Parameters").ClickAsync();
        await Button(Dialog, "Add parameter").ClickAsync();
        await Button(Dialog, "Add parameter").ClickAsync();
        await Group("Parameter 1").GetByLabel("Name", new() { Exact = true }).FillAsync("baseUrl");
        await Group("Parameter 1").GetByLabel("Display name", new() { Exact = true }).FillAsync("Base URL");
        await Group("Parameter 2").GetByLabel("Name", new() { Exact = true }).FillAsync("region");
        await Group("Parameter 2").GetByLabel("Options", new() { Exact = true }).FillAsync("eu = Europe\nus = United States");
        await Expect(Button(Dialog, "Move parameter region up")).ToBeEnabledAsync();

        await Tab("Auth methods").ClickAsync();
        await Button(Dialog, "Add auth method").ClickAsync();
        var method = Group("Auth method 1");
        await method.GetByLabel("Id", new() { Exact = true }).FillAsync("oauth");
        await ChooseAsync(method, "Type", "OAuth 2");
        await method.GetByLabel("Authorize URL", new() { Exact = true }).FillAsync("https://idp.example/authorize");
        await method.GetByLabel("Token URL", new() { Exact = true }).FillAsync("https://idp.example/token");
        await method.GetByLabel("Client id", new() { Exact = true }).FillAsync("portal-client");
        await method.GetByLabel("Client secret", new() { Exact = true }).FillAsync("typed-client-secret");
        await Button(Dialog, "Create").ClickAsync();

        await Expect(Dialog).ToBeHiddenAsync();
        await Expect(integrations.RowWith(id)).ToHaveCountAsync(1);

        // A config that uses the OAuth method, published.
        await Page.GotoAsync(ConfigPage.NewPathFor(PortalServer.Tenant, id));
        await integrations.WaitUntilInteractiveAsync();
        var configName = $"Config of {id}";
        await Page.GetByLabel("Display name", new() { Exact = true }).FillAsync(configName);
        await ChooseAsync(Page.Locator("main"), "Auth method", "oauth (OAuth2)");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create config", Exact = true }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/integrations/{id}/configs/[0-9a-f-]{{36}}$"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Page.Locator("#confirm-yes").ClickAsync(); // publishing asks first
        await Expect(Page.GetByText("Published as a new revision.")).ToBeVisibleAsync();

        // Editing the integration: the secret is not in the page; removing the auth method names the config first.
        await Page.GotoAsync($"/t/{PortalServer.Tenant}/integrations/{id}");
        await integrations.WaitUntilInteractiveAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Tab("Auth methods").ClickAsync();
        await Expect(Group("Auth method 1")).ToContainTextAsync("Stored — leave empty to keep");
        Assert.DoesNotContain("typed-client-secret", await Page.ContentAsync(), StringComparison.Ordinal);
        await Button(Dialog, "Remove auth method oauth").ClickAsync();
        await Button(Dialog, "Save").ClickAsync();

        var confirm = Page.Locator("#confirm-message");
        await Expect(confirm).ToContainTextAsync(configName);
        await Expect(confirm).ToContainTextAsync("Auth method 'oauth' is removed.");
        await Expect(Page.Locator("#confirm-cancel")).ToBeFocusedAsync(); // Enter does not save by accident
        await Expect(Page.Locator("#confirm-yes")).ToHaveTextAsync("Save anyway");
        await Page.Locator("#confirm-yes").ClickAsync();

        await Expect(Page.GetByText("Integration saved. 1 config was affected: review it.")).ToBeVisibleAsync();
        await Expect(Dialog).ToBeHiddenAsync();
    });

    [Fact]
    public Task The_editor_fits_a_390_px_screen_and_every_control_has_a_name() => RunAsync(async () =>
    {
        await Page.SetViewportSizeAsync(390, 844);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);
        await integrations.NewIntegrationButton.ClickAsync();
        await Tab("Auth methods").ClickAsync();
        await Button(Dialog, "Add auth method").ClickAsync();
        await ChooseAsync(Group("Auth method 1"), "Type", "OAuth 2");
        await Button(Dialog, "Add auth parameter").ClickAsync();

        var box = await Dialog.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box!.X >= 0 && box.X + box.Width <= 390.5, $"the dialog spans {box.X}..{box.X + box.Width} px of 390");
        Assert.True(await Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 391"), "the page scrolls sideways");
        await Expect(Button(Dialog, "Move auth parameter 1 up")).ToBeVisibleAsync();
        await Expect(Button(Dialog, "Remove auth method 1")).ToBeVisibleAsync();
        await Expect(Group("Auth method 1").GetByLabel("Client secret", new() { Exact = true })).ToBeVisibleAsync();
        var violations = await A11y.SeriousViolationsAsync(Page);
        Assert.True(violations.Count == 0, "axe-core found serious violations:\n" + string.Join("\n", violations));
    });
}
