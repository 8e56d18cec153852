using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Issue 15.5: the inbox's event detail and live updates, and the audit log's filters, as a person uses them.</summary>
public sealed class InboxAuditE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task A_json_delivery_opens_pretty_in_its_detail_and_the_next_one_appears_live_without_reload() => RunAsync(async () =>
    {
        await Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await (await new LoginPage(Page).OpenAsync()).SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);
        var id = $"ib-{Guid.NewGuid():N}"[..15];
        await integrations.CreateAsync(id, $"Inbox {id}", "Receives JSON webhooks.");
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

        await DeliverAsync(url, $"evt_{id}_1", """{"type":"order.created","data":{"id":1,"items":["a","b"]}}""");
        await config.EventsInboxLink.ClickAsync();
        var inbox = new LiveInboxPage(Page);
        await Expect(inbox.Heading).ToBeVisibleAsync();
        await inbox.DetailLink($"evt_{id}_1").ClickAsync();

        var detail = new WebhookEventDetailPage(Page);
        await Expect(detail.Heading).ToBeVisibleAsync();
        await Expect(detail.WebhookId).ToHaveTextAsync($"evt_{id}_1");
        Assert.Equal("{\n  \"type\": \"order.created\",\n  \"data\": {\n    \"id\": 1,\n    \"items\": [\n      \"a\",\n      \"b\"\n    ]\n  }\n}",
            (await detail.Body.TextContentAsync())!.ReplaceLineEndings("\n"));
        await Expect(detail.Headers).ToContainTextAsync("webhook-id");
        await Expect(detail.Signature).ToContainTextAsync("Not checked");
        Assert.DoesNotContain(url[(url.LastIndexOf('/') + 1)..], await Page.ContentAsync(), StringComparison.Ordinal);
        // The detail has its own address: it opens again on a reload (which also clears the earlier "Config created." snackbar,
        // which axe would otherwise catch mid-fade), and passes the checks the accessibility walk makes on the other pages.
        await Page.ReloadAsync();
        await WaitUntilInteractiveAsync();
        await Expect(detail.WebhookId).ToHaveTextAsync($"evt_{id}_1");
        Assert.Equal((1, 1), await A11y.LandmarksAsync(Page));
        var violations = await A11y.SeriousViolationsAsync(Page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));

        await detail.EventsCrumb.ClickAsync();
        await Expect(inbox.DetailLink($"evt_{id}_1")).ToBeVisibleAsync();
        await WaitUntilInteractiveAsync();
        await Page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await DeliverAsync(url, $"evt_{id}_2", """{"type":"order.paid"}""");

        await Expect(inbox.DetailLink($"evt_{id}_2")).ToBeVisibleAsync(); // polled while Live is on (every 3 s)
        Assert.True(await Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        await Expect(inbox.Row($"evt_{id}_2")).ToContainTextAsync("order.paid");
    });

    [Fact]
    public Task The_audit_log_filtered_by_action_shows_only_that_action_and_keeps_the_filter_after_a_reload() => RunAsync(async () =>
    {
        await (await new LoginPage(Page).OpenAsync()).SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);
        var id = $"au-{Guid.NewGuid():N}"[..15];
        await integrations.CreateAsync(id, $"Audited {id}", "Shows up in the audit log.");
        await Expect(integrations.Dialog).ToBeHiddenAsync();

        var audit = new AuditLogPage(Page);
        await audit.OpenAsync(PortalServer.Tenant);
        await Expect(audit.Heading).ToBeVisibleAsync();
        await audit.Action.FillAsync("integration.create");
        await Expect(Page).ToHaveURLAsync(new Regex(@"[?&]action=integration\.create(&|$)"));
        await Expect(audit.TargetLink($"integrations/{id}")).ToBeVisibleAsync();
        await AssertOnlyActionAsync(audit, "integration.create");

        await Page.ReloadAsync();
        await audit.WaitUntilInteractiveAsync();
        await Expect(audit.Action).ToHaveValueAsync("integration.create");
        await Expect(audit.TargetLink($"integrations/{id}")).ToHaveAttributeAsync("href", $"/t/{PortalServer.Tenant}/integrations/{id}");
        await AssertOnlyActionAsync(audit, "integration.create");
        await Expect(audit.ExportCsv).ToHaveAttributeAsync("href", new Regex(@"/audit:export\?action=integration\.create$"));
    });

    private static async Task AssertOnlyActionAsync(AuditLogPage audit, string action)
    {
        var rows = await audit.Rows.AllAsync();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.Equal(action, (await row.Locator("td").Nth(2).TextContentAsync())?.Trim());
        }
    }

    /// <summary>The provider's side: a JSON post with a webhook-id, as curl would send it.</summary>
    private static async Task DeliverAsync(string url, string webhookId, string json)
    {
        using var provider = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", webhookId);
        using var response = await provider.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }
}
