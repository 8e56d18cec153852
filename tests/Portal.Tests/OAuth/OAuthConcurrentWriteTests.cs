using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.OAuth;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>
/// A write to the config (a PATCH, a rotation, a verification) lands while the portal waits for the provider's token
/// endpoint: storing the tokens afterwards must not lose that race with a 500 or a crashed refresh, nor undo the write.
/// </summary>
public sealed class OAuthConcurrentWriteTests(PortalApplication app, AuthorizationServerFixture server) : IClassFixture<PortalApplication>, IClassFixture<AuthorizationServerFixture>, IDisposable
{
    private readonly LoopbackAuthorizationServer _provider = server.Reset();
    private readonly HttpClient _browserAtProvider = new(new HttpClientHandler { AllowAutoRedirect = false });

    public void Dispose()
    {
        _provider.BeforeTokenAnswer = null;
        _browserAtProvider.Dispose();
    }

    private static Actor Admin => new(PortalApplication.AdminClientId, ActorKind.ApiClient, PortalApplication.Tenant, TenantRole.Admin, null);

    private static string ConfigUrl(string integration, string config) => $"{ApiTestData.Base}/integrations/{integration}/configs/{config}";

    private async Task<(string Integration, string Config)> OAuthConfigAsync(HttpClient http) =>
        await http.ConfigAsync("http://127.0.0.1:9", ConfigWithAuth(Auth("oauth")), _provider.BaseUrl, LoopbackAuthorizationServer.ClientId, LoopbackAuthorizationServer.ClientSecret);

    /// <summary>Starts the flow and follows the browser to the provider and back: the portal's callback URL, not yet visited.</summary>
    private async Task<string> CallbackAsync(HttpClient http, string integration, string config)
    {
        var authorizationUrl = (await http.VerifiedAsync(integration, config))["authorizationUrl"]!.GetValue<string>();
        using var response = await _browserAtProvider.GetAsync(authorizationUrl);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!.PathAndQuery;
    }

    /// <summary>Every token request of <paramref name="grant"/> PATCHes the config before the provider answers.</summary>
    private void PatchDuringNextExchange(HttpClient http, string grant, string integration, string config, JsonObject patch)
    {
        _provider.BeforeTokenAnswer = async g =>
        {
            if (g == grant)
            {
                await (await http.PatchAsJsonAsync(ConfigUrl(integration, config), patch)).ExpectAsync(HttpStatusCode.OK);
            }
        };
    }

    private async Task<JsonObject> FetchAsync(HttpClient http, string integration, string config) =>
        await (await http.GetAsync(ConfigUrl(integration, config))).ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task A_config_changed_while_the_code_is_exchanged_is_connected_and_keeps_the_change()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await CallbackAsync(http, integration, config);
        PatchDuringNextExchange(http, "authorization_code", integration, config, new JsonObject { ["description"] = "Changed while at the provider" });

        using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var back = await browser.GetAsync(callback);

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.StartsWith($"/t/default/integrations/{integration}/configs/{config}?verified=success", back.Headers.Location!.ToString());
        var fetched = await FetchAsync(http, integration, config);
        Assert.Equal("CONNECTED", fetched["authStatus"]!.GetValue<string>());
        Assert.Equal("Changed while at the provider", fetched["description"]!.GetValue<string>());
        var access = await app.Services.GetRequiredService<OAuthService>().RefreshIfNeededAsync(Admin, integration, Guid.Parse(config), null, TimeSpan.Zero);
        Assert.True(access.IsSuccess, access.Error?.Detail);
    }

    [Fact]
    public async Task Tokens_for_credentials_replaced_during_the_exchange_are_not_stored()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await CallbackAsync(http, integration, config);
        PatchDuringNextExchange(http, "authorization_code", integration, config, new JsonObject { ["auth"] = Auth("key", Key("a-new-api-key-value")) });

        using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var back = await browser.GetAsync(callback);

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var query = QueryHelpers.ParseQuery(new Uri("http://x" + back.Headers.Location).Query);
        Assert.Equal("error", query["verified"]);
        Assert.Contains("changed while you were at the provider", query["message"].ToString());
        var fetched = await FetchAsync(http, integration, config);
        Assert.Equal("NOT_CONNECTED", fetched["authStatus"]!.GetValue<string>());
        Assert.Equal("key", fetched["auth"]!["authMetadataId"]!.GetValue<string>());
        Assert.Null(fetched["oauthExpiresAt"]);
    }

    [Fact]
    public async Task The_background_refresher_survives_a_write_during_the_refresh_and_keeps_it()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await CallbackAsync(http, integration, config);
        using (var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(callback)).StatusCode);
        }

        var oauth = app.Services.GetRequiredService<OAuthService>();
        var before = (await oauth.RefreshIfNeededAsync(Admin, integration, Guid.Parse(config), null, TimeSpan.Zero)).Value!.Value;
        PatchDuringNextExchange(http, "refresh_token", integration, config, new JsonObject { ["description"] = "Changed during the refresh" });

        // Every connected config of this class is due within two hours; the round must not throw.
        Assert.True(await app.Services.GetRequiredService<OAuthTokenRefresher>().RefreshDueAsync(TimeSpan.FromHours(2)) >= 1);

        var after = await oauth.RefreshIfNeededAsync(Admin, integration, Guid.Parse(config), null, TimeSpan.Zero);
        Assert.True(after.IsSuccess, after.Error?.Detail);
        Assert.NotEqual(before, after.Value!.Value); // the refreshed token was stored
        var fetched = await FetchAsync(http, integration, config);
        Assert.Equal("CONNECTED", fetched["authStatus"]!.GetValue<string>());
        Assert.Equal("Changed during the refresh", fetched["description"]!.GetValue<string>());
    }
}
