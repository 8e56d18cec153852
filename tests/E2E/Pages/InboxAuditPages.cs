using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/t/{tenant}/integrations/{id}/configs/{config}/events with its filters and Live switch.</summary>
public sealed class LiveInboxPage(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Webhook events", Exact = true });

    public ILocator Live => page.GetByRole(AriaRole.Switch, new() { Name = "Live: show new events as they arrive" }).Or(page.GetByLabel("Live", new() { Exact = true }));

    public ILocator ContentType => page.GetByLabel("Content type", new() { Exact = true });

    public ILocator Row(string text) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    public ILocator DetailLink(string webhookId) => page.GetByRole(AriaRole.Link, new() { Name = $"Details of {webhookId}", Exact = true });
}

/// <summary>/t/{tenant}/integrations/{id}/configs/{config}/events/{event}: one received event.</summary>
public sealed class WebhookEventDetailPage(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Webhook event", Exact = true });

    public ILocator WebhookId => page.GetByTestId("webhook-id");

    public ILocator Body => page.GetByLabel("Body", new() { Exact = true });

    public ILocator Headers => page.GetByLabel("Request headers", new() { Exact = true });

    public ILocator Signature => page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Signature" });

    public ILocator EventsCrumb => page.GetByRole(AriaRole.Link, new() { Name = "Events", Exact = true });
}

/// <summary>/t/{tenant}/audit: the audit log with its filters.</summary>
public sealed class AuditLogPage(IPage page)
{
    public static string PathFor(string tenant) => $"/t/{Uri.EscapeDataString(tenant)}/audit";

    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Audit log", Exact = true });

    public ILocator Action => page.GetByLabel("Action", new() { Exact = true });

    public ILocator ExportCsv => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" });

    /// <summary>The data rows of the grid (not its header).</summary>
    public ILocator Rows => page.Locator("[aria-label='Audit events'] tbody tr.mud-table-row");

    public ILocator TargetLink(string target) => page.GetByRole(AriaRole.Link, new() { Name = target, Exact = true });

    public async Task OpenAsync(string tenant, string query = "")
    {
        await page.GotoAsync(PathFor(tenant) + query);
        await WaitUntilInteractiveAsync();
    }

    public Task WaitUntilInteractiveAsync() =>
        page.Locator("#circuit-ready[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
}
