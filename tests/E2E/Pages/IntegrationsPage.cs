using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/t/{tenant}/integrations: the list and its "New integration" dialog.</summary>
public sealed class IntegrationsPage(IPage page)
{
    public static string PathFor(string tenant) => $"/t/{Uri.EscapeDataString(tenant)}/integrations";

    public ILocator NewIntegrationButton => page.GetByRole(AriaRole.Button, new() { Name = "New integration", Exact = true });

    public ILocator Dialog => page.GetByRole(AriaRole.Dialog);

    public ILocator RowWith(string text) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    /// <summary>
    /// The page is prerendered: buttons show before the circuit can handle a click.
    /// The layout flips this marker once the circuit is interactive.
    /// </summary>
    public Task WaitUntilInteractiveAsync() =>
        page.Locator("#circuit-ready[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>Opens the list of the test tenant and waits until it can be used.</summary>
    public async Task OpenAsync(string tenant)
    {
        await page.GotoAsync(PathFor(tenant));
        await WaitUntilInteractiveAsync();
    }

    public async Task CreateAsync(string id, string displayName, string description)
    {
        await NewIntegrationButton.ClickAsync();
        await Dialog.GetByLabel("Id", new() { Exact = true }).FillAsync(id);
        await Dialog.GetByLabel("Display name", new() { Exact = true }).FillAsync(displayName);
        await Dialog.GetByLabel("Description", new() { Exact = true }).FillAsync(description);
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
    }
}
