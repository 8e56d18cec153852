using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/t/{tenant}/integrations/{id}/configs/new and /configs/{config}: the config editor and its webhook panel.</summary>
public sealed class ConfigPage(IPage page)
{
    public static string NewPathFor(string tenant, string integration) => $"/t/{Uri.EscapeDataString(tenant)}/integrations/{Uri.EscapeDataString(integration)}/configs/new";

    public ILocator WebhookPanel => page.GetByRole(AriaRole.Region, new() { Name = "Webhook URL" });

    public ILocator GenerateWebhookUrlButton => WebhookPanel.GetByRole(AriaRole.Button, new() { Name = "Generate webhook URL", Exact = true });

    public ILocator RotateWebhookUrlButton => WebhookPanel.GetByRole(AriaRole.Button, new() { Name = "Rotate webhook URL", Exact = true });

    public ILocator EventsInboxLink => WebhookPanel.GetByRole(AriaRole.Link, new() { Name = "Events inbox", Exact = true });

    public ILocator WebhookKey => WebhookPanel.GetByRole(AriaRole.Region, new() { Name = "Webhook key" });

    public ILocator Dialog => page.GetByRole(AriaRole.Dialog);

    /// <summary>The read-only field of the SecretOnceDialog.</summary>
    public ILocator SecretField => Dialog.GetByRole(AriaRole.Textbox, new() { Name = "webhook URL", Exact = true });

    public ILocator CopyButton => Dialog.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true });

    public ILocator DoneButton => Dialog.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true });

    public ILocator Copied => Dialog.GetByRole(AriaRole.Status);

    public Task WaitUntilInteractiveAsync() =>
        page.Locator("#circuit-ready[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>Creates a config with only a display name (for an integration without parameters); lands on its page.</summary>
    public async Task CreateAsync(string tenant, string integration, string displayName)
    {
        await page.GotoAsync(NewPathFor(tenant, integration));
        await WaitUntilInteractiveAsync();
        await page.GetByLabel("Display name", new() { Exact = true }).FillAsync(displayName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create config", Exact = true }).ClickAsync();
    }
}
