using Bunit;
using Portal.Features.Webhooks;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Webhooks;

/// <summary>An inbox body as a user sees it: text as text, binary marked as base64, and a download of the raw bytes either way.</summary>
public sealed class WebhookEventBodyCellTests : PortalComponentTest
{
    private const string Download = "/v1/tenants/default/integrations/sms/configs/00000000-0000-0000-0000-000000000001/webhook/events/7/body";

    [Fact]
    public void A_text_body_is_shown_as_text_with_a_download_link()
    {
        var (body, encoding) = WebhookBodyText.Render("application/x-www-form-urlencoded", "From=%2B15005550006&Body=Hi"u8.ToArray());

        var cell = Render<WebhookEventBodyCell>(p => p.Add(x => x.Event, new WebhookEventView(7, "msg_form", 0, "application/x-www-form-urlencoded", body, encoding, 27, null)).Add(x => x.DownloadUrl, Download));

        Assert.Equal("From=%2B15005550006&Body=Hi", cell.Find("pre").TextContent);
        Assert.DoesNotContain("base64", cell.Markup, StringComparison.Ordinal);
        var link = cell.Find("a[download]");
        Assert.Equal(Download, link.GetAttribute("href"));
        Assert.Equal("Download body of msg_form", link.GetAttribute("aria-label"));
    }

    [Fact]
    public void A_binary_body_is_shown_as_base64_and_says_so()
    {
        byte[] bytes = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF];
        var (body, encoding) = WebhookBodyText.Render("image/png", bytes);

        var cell = Render<WebhookEventBodyCell>(p => p.Add(x => x.Event, new WebhookEventView(7, "msg_png", 0, "image/png", body, encoding, bytes.Length, null)).Add(x => x.DownloadUrl, Download));

        Assert.Equal(Convert.ToBase64String(bytes), cell.Find("pre").TextContent);
        Assert.Contains("binary · base64", cell.Markup, StringComparison.Ordinal);
        Assert.Contains("Download (6 bytes)", cell.Find("a[download]").TextContent, StringComparison.Ordinal);
    }
}
