using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Portal.E2E.Accessibility;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Issue 15 point 2: a signing secret is attached to a config in the browser (it was API only).</summary>
public sealed class ConfigSigningE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task A_signing_secret_chosen_in_the_config_editor_refuses_unsigned_webhooks_and_accepts_signed_ones() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        var name = $"sig-{Guid.NewGuid():N}"[..16];
        string token;
        using (var api = await Server.ApiAsync())
        using (var created = await api.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/signing-secrets", new { name }))
        {
            token = (await created.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        }

        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var config = new ConfigPage(Page);
        await Page.GotoAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/{seeded.Config}");
        await config.WaitUntilInteractiveAsync();

        await Page.Locator(".signing-secret-select").ClickAsync();
        await Page.GetByRole(AriaRole.Option, new() { Name = name, Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save draft", Exact = true }).ClickAsync();
        await Expect(Page.GetByText("Draft saved.")).ToBeVisibleAsync();

        using var sender = new HttpClient();
        const string body = "{\"event\":\"signed\"}";
        using (var unsigned = await sender.PostAsync(seeded.WebhookUrl, new StringContent(body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        using var signed = new HttpRequestMessage(HttpMethod.Post, seeded.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var id = $"msg_{Guid.NewGuid():N}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        using var hmac = new HMACSHA256(Convert.FromBase64String(token["whsec_".Length..]));
        var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        signed.Headers.Add("webhook-id", id);
        signed.Headers.Add("webhook-timestamp", timestamp);
        signed.Headers.Add("webhook-signature", $"v1,{signature}");
        using var accepted = await sender.SendAsync(signed);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // After a reload the editor still names the secret.
        await Page.ReloadAsync();
        await config.WaitUntilInteractiveAsync();
        await Expect(Page.Locator(".signing-secret-select input")).ToHaveValueAsync(name);
    });
}
