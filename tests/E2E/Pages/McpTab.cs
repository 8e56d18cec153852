using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>The MCP tab of /t/{tenant}/integrations/{id}.</summary>
public sealed class McpTab(IPage page)
{
    public static string PathFor(string tenant, string integration) => $"/t/{Uri.EscapeDataString(tenant)}/integrations/{Uri.EscapeDataString(integration)}";

    public ILocator Tab => page.GetByRole(AriaRole.Tab, new() { Name = "MCP", Exact = true });

    public ILocator Section => page.GetByRole(AriaRole.Region, new() { Name = "MCP server" });

    public ILocator Enabled => Section.GetByLabel("Enable MCP");

    public ILocator SaveButton => Section.GetByRole(AriaRole.Button, new() { Name = "Save MCP settings", Exact = true });

    public ILocator RotateButton => Section.GetByRole(AriaRole.Button, new() { Name = "Rotate key", Exact = true });

    public ILocator KeyPrefix => Section.Locator("code.key-prefix");

    public ILocator Dialog => page.GetByRole(AriaRole.Dialog);

    /// <summary>The read-only field of the SecretOnceDialog.</summary>
    public ILocator SecretField => Dialog.GetByRole(AriaRole.Textbox, new() { Name = "MCP key", Exact = true });

    public ILocator Snippet => Dialog.GetByRole(AriaRole.Textbox, new() { Name = "MCP client configuration", Exact = true });

    public ILocator CopyButton => Dialog.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true });

    public ILocator DoneButton => Dialog.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true });

    public ILocator Copied => Dialog.GetByRole(AriaRole.Status);

    public async Task OpenAsync(string tenant, string integration)
    {
        await page.GotoAsync(PathFor(tenant, integration));
        await page.Locator("#circuit-ready[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Tab.ClickAsync();
        await Section.WaitForAsync();
    }
}
