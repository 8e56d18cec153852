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
        await login.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.WaitUntilInteractiveAsync();
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
}
