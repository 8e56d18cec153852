using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

public sealed class WebhookE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task A_generated_webhook_url_is_shown_once_copied_and_gone_from_the_page_after_done() => RunAsync(async () =>
    {
        await Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);
        var id = $"wh-{Guid.NewGuid():N}"[..15];
        await integrations.CreateAsync(id, $"Webhooks {id}", "Receives webhooks.");
        await Expect(integrations.Dialog).ToBeHiddenAsync();

        var config = new ConfigPage(Page);
        await config.CreateAsync(PortalServer.Tenant, id, "Prod");
        await Expect(Page).ToHaveURLAsync(new Regex(@"/configs/[0-9a-f-]{36}$"));
        await config.WaitUntilInteractiveAsync();

        await config.GenerateWebhookUrlButton.ClickAsync();
        await Expect(config.SecretField).ToHaveValueAsync(new Regex($"/webhooks/{PortalServer.Tenant}/{id}/whk_[0-9A-Za-z]+$"));
        var url = await config.SecretField.InputValueAsync();
        var key = url[(url.LastIndexOf('/') + 1)..];

        await config.CopyButton.ClickAsync();
        await Expect(config.Copied).ToHaveTextAsync("Copied to the clipboard.");
        await config.DoneButton.ClickAsync();

        await Expect(config.Dialog).ToBeHiddenAsync();
        await Expect(config.WebhookKey).ToContainTextAsync($"{key[..12]}…");
        await Expect(config.RotateWebhookUrlButton).ToBeVisibleAsync();
        var content = await Page.ContentAsync();
        Assert.DoesNotContain(key, content, StringComparison.Ordinal);
        Assert.DoesNotContain(url, content, StringComparison.Ordinal);
        Assert.DoesNotContain(key, await Page.EvaluateAsync<string>("() => document.documentElement.outerHTML + JSON.stringify([...document.querySelectorAll('input,textarea')].map(e => e.value))"), StringComparison.Ordinal);
    });

    [Fact]
    public Task A_form_encoded_delivery_to_a_generated_url_shows_in_the_inbox_as_text_and_downloads_as_sent() => RunAsync(async () =>
    {
        await Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);
        var id = $"tw-{Guid.NewGuid():N}"[..15];
        await integrations.CreateAsync(id, $"SMS {id}", "Receives Twilio-style form posts.");
        await Expect(integrations.Dialog).ToBeHiddenAsync();
        var config = new ConfigPage(Page);
        await config.CreateAsync(PortalServer.Tenant, id, "Prod");
        await Expect(Page).ToHaveURLAsync(new Regex(@"/configs/[0-9a-f-]{36}$"));
        await config.WaitUntilInteractiveAsync();
        await config.GenerateWebhookUrlButton.ClickAsync();
        await Expect(config.SecretField).ToHaveValueAsync(new Regex("/whk_[0-9A-Za-z]+$"));
        var url = await config.SecretField.InputValueAsync();
        await config.CopyButton.ClickAsync();
        await config.DoneButton.ClickAsync();
        await Expect(config.Dialog).ToBeHiddenAsync();

        // The provider's side, as curl would send it: a form post, no signature.
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"),
            ["From"] = "+15005550006",
            ["Body"] = "Hello from the E2E test",
        });
        var sent = await form.ReadAsByteArrayAsync();
        using (var provider = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = form };
            request.Headers.Add("webhook-id", $"msg_{id}");
            using var response = await provider.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        await config.EventsInboxLink.ClickAsync();
        var inbox = new WebhookEventsPage(Page);
        await Expect(inbox.Heading).ToBeVisibleAsync();
        var row = inbox.Row("Body=Hello+from+the+E2E+test");
        await Expect(row).ToContainTextAsync("application/x-www-form-urlencoded");
        await Expect(row).ToContainTextAsync($"msg_{id}");
        await Expect(row).Not.ToContainTextAsync("base64");

        var download = await Page.RunAndWaitForDownloadAsync(() => inbox.DownloadLink($"msg_{id}").ClickAsync());
        var path = await download.PathAsync();
        Assert.Equal(sent, await File.ReadAllBytesAsync(path));
    });
}
