using Bunit;
using Portal.Core.Webhooks;
using Portal.Features.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Webhooks;

/// <summary>One event as a person reads it: JSON indented, headers listed, the signature verdict said plainly, big bodies cut with a download.</summary>
public sealed class WebhookEventDetailViewTests : PortalComponentTest
{
    private const string Download = "/v1/tenants/default/integrations/crm/configs/00000000-0000-0000-0000-000000000001/webhook/events/7/body";

    private static WebhookEventDetail Event(string? contentType, byte[] body, IReadOnlyList<WebhookHeader>? headers = null, string? check = WebhookSignatureStatus.NotChecked, string? secret = null)
    {
        var (text, encoding) = WebhookBodyText.Render(contentType, body);
        return new WebhookEventDetail(7, "evt_7", 1_764_748_800_000, contentType, null, headers, WebhookSignatureStatus.View(check, secret), text, encoding, body.Length);
    }

    [Fact]
    public void A_json_body_is_indented_with_its_headers_and_verdict()
    {
        var detail = Event("application/json", """{"type":"invoice.paid","data":{"id":42}}"""u8.ToArray(), [new("X-Provider-Event", "invoice.paid")], WebhookSignatureStatus.Verified, "crm-signing");

        var view = Render<WebhookEventDetailView>(p => p.Add(x => x.Event, detail).Add(x => x.DownloadUrl, Download));

        Assert.Equal("{\n  \"type\": \"invoice.paid\",\n  \"data\": {\n    \"id\": 42\n  }\n}", view.Find("pre[data-testid=event-body]").TextContent.ReplaceLineEndings("\n"));
        Assert.Equal("evt_7", view.Find("[data-testid=webhook-id]").TextContent);
        Assert.Contains("2025-12-03T08:00:00Z", view.Markup, StringComparison.Ordinal);
        Assert.Contains("X-Provider-Event", view.Find("[aria-label='Request headers']").TextContent, StringComparison.Ordinal);
        Assert.Contains("verified with the signing secret 'crm-signing'", view.Markup, StringComparison.Ordinal);
        Assert.Equal(Download, view.Find("a[download]").GetAttribute("href"));
    }

    [Fact]
    public void An_event_from_before_headers_were_kept_says_so_honestly()
    {
        var view = Render<WebhookEventDetailView>(p => p.Add(x => x.Event, Event("text/plain", "hello"u8.ToArray(), headers: null, check: null))
            .Add(x => x.DownloadUrl, Download));

        Assert.Equal("hello", view.Find("pre[data-testid=event-body]").TextContent);
        Assert.Contains("Not recorded: this event arrived before the portal kept request headers.", view.Markup, StringComparison.Ordinal);
        Assert.Contains("Not recorded: this event arrived before the portal recorded signature checks.", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_big_body_is_cut_and_a_binary_one_is_only_offered_for_download()
    {
        var big = Encoding("text/plain", new string('x', 200_000));
        var binary = Event("image/png", [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF]);

        var bigView = Render<WebhookEventDetailView>(p => p.Add(x => x.Event, big).Add(x => x.DownloadUrl, Download));
        var binaryView = Render<WebhookEventDetailView>(p => p.Add(x => x.Event, binary).Add(x => x.DownloadUrl, Download));

        Assert.Equal(WebhookEventDetailView.MaxShownChars + 1, bigView.Find("pre[data-testid=event-body]").TextContent.Length);
        Assert.Contains("Showing the first 64 KiB of 200000 characters", bigView.Markup, StringComparison.Ordinal);
        Assert.Empty(binaryView.FindAll("pre"));
        Assert.Contains("Binary body (6 bytes)", binaryView.Markup, StringComparison.Ordinal);
        Assert.Contains("Download full body (6 bytes)", binaryView.Find("a[download]").TextContent, StringComparison.Ordinal);
    }

    private static WebhookEventDetail Encoding(string contentType, string text) => Event(contentType, System.Text.Encoding.UTF8.GetBytes(text));
}
