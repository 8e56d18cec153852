using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/t/{tenant}/integrations/{id}/configs/{config}/events: the webhook inbox of a config.</summary>
public sealed class WebhookEventsPage(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Webhook events", Exact = true });

    /// <summary>The inbox row whose body (or any cell) contains <paramref name="text"/>.</summary>
    public ILocator Row(string text) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    public ILocator DownloadLink(string webhookId) => page.GetByRole(AriaRole.Link, new() { Name = $"Download body of {webhookId}", Exact = true });
}
