using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Portal.Tests.OAuth;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

public sealed class OAuthE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task Connecting_an_oauth_config_goes_through_the_provider_and_lands_back_connected() => RunAsync(async () =>
    {
        var portal = Server.BaseAddress.ToString().TrimEnd('/');
        await using var provider = await LoopbackAuthorizationServer.StartAsync($"{portal}/oauth/callback");
        var (integration, config) = await OAuthConfigAsync(provider.BaseUrl);

        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await Expect(Page).ToHaveURLAsync(new Regex($"/t/{PortalServer.Tenant}$"));

        var configPath = $"/t/{PortalServer.Tenant}/integrations/{integration}/configs/{config}";
        await Page.GotoAsync(configPath);
        await new IntegrationsPage(Page).WaitUntilInteractiveAsync();
        var connection = Page.GetByLabel("Connection", new() { Exact = true });
        await Expect(connection).ToContainTextAsync("Not connected");

        await connection.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync(new() { Timeout = 90_000 }); // waits for the chain of redirects

        // Provider (approves at once) → /oauth/callback → back on the config page with the outcome.
        // The snackbar comes from ?verified=success&message=Connected. on the return; the page then drops the query.
        await Expect(Page.GetByText("Connected.", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(configPath)}$"));
        await Expect(connection).Not.ToContainTextAsync("Not connected");
        await Expect(connection).ToContainTextAsync("Connected");
        await Expect(connection.GetByRole(AriaRole.Button, new() { Name = "Authorize again", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(["authorization_code"], provider.Issued);
    });

    private async Task<(string Integration, string Config)> OAuthConfigAsync(string providerBase)
    {
        using var http = await Server.ApiAsync();

        var id = $"oauth-{Guid.NewGuid():N}"[..18];
        using var created = await http.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/integrations", new JsonObject
        {
            ["id"] = id,
            ["displayName"] = "OAuth provider",
            ["configMetadata"] = new JsonObject
            {
                ["authMetadata"] = new JsonArray(new JsonObject
                {
                    ["id"] = "oauth",
                    ["type"] = "OAUTH2",
                    ["authSettings"] = new JsonObject
                    {
                        ["parameters"] = new JsonObject
                        {
                            ["authorizationUrl"] = $"{providerBase}/connect/authorize",
                            ["tokenUrl"] = $"{providerBase}/connect/token",
                            ["clientId"] = LoopbackAuthorizationServer.ClientId,
                            ["clientSecret"] = LoopbackAuthorizationServer.ClientSecret,
                            ["scopes"] = new JsonArray("read", "offline_access"),
                        },
                    },
                }),
            },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        using var config = await http.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/integrations/{id}/configs", new JsonObject
        {
            ["displayName"] = "Signed in with the provider",
            ["auth"] = new JsonObject { ["authMetadataId"] = "oauth", ["parameters"] = new JsonObject() },
        });
        var body = await config.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(config.IsSuccessStatusCode, body?.ToJsonString());
        return (id, body!["id"]!.GetValue<string>());
    }
}
