using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.OAuth;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>The OAuth2 authorization code flow with PKCE against a real OpenIddict authorization server on loopback.</summary>
public sealed class OAuthFlowTests(PortalApplication app, AuthorizationServerFixture server) : IClassFixture<PortalApplication>, IClassFixture<AuthorizationServerFixture>, IDisposable
{
    private const string Callback = AuthorizationServerFixture.Callback;
    private readonly LoopbackAuthorizationServer _provider = server.Reset();
    private readonly HttpClient _browserAtProvider = new(new HttpClientHandler { AllowAutoRedirect = false });

    public void Dispose() => _browserAtProvider.Dispose();

    private async Task<(string Integration, string Config)> OAuthConfigAsync(HttpClient http) =>
        await http.ConfigAsync("http://127.0.0.1:9", ConfigWithAuth(Auth("oauth")), _provider.BaseUrl, LoopbackAuthorizationServer.ClientId, LoopbackAuthorizationServer.ClientSecret);

    private async Task<string> AuthorizationUrlAsync(HttpClient http, string integration, string config)
    {
        var result = await http.VerifiedAsync(integration, config);
        return result["authorizationUrl"]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"no authorizationUrl: {result}");
    }

    /// <summary>What the browser does at the provider: follow the authorization URL, get redirected to the portal's callback.</summary>
    private async Task<Uri> ProviderRedirectAsync(string authorizationUrl)
    {
        using var response = await _browserAtProvider.GetAsync(authorizationUrl);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(Callback, location.ToString());
        return location;
    }

    private HttpClient Browser() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static async Task<string> ErrorPageAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> StatusAsync(HttpClient http, string integration, string config) =>
        (await (await http.GetAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}")).ExpectAsync(HttpStatusCode.OK))["authStatus"]!.GetValue<string>();

    private static Actor Admin => new(PortalApplication.AdminClientId, ActorKind.ApiClient, PortalApplication.Tenant, TenantRole.Admin, null);

    [Fact]
    public async Task VerifyAuth_on_an_oauth_config_returns_an_authorization_url_with_pkce_S256()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var url = new Uri(await AuthorizationUrlAsync(http, integration, config));
        var query = QueryHelpers.ParseQuery(url.Query);

        Assert.StartsWith($"{_provider.BaseUrl}/connect/authorize", url.ToString());
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(LoopbackAuthorizationServer.ClientId, query["client_id"]);
        Assert.Equal(Callback, query["redirect_uri"]);
        Assert.Equal("read offline_access", query["scope"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"].ToString().Length);
        Assert.True(query["state"].ToString().Length >= 43);
        Assert.DoesNotContain(LoopbackAuthorizationServer.ClientSecret, url.ToString());
    }

    [Fact]
    public async Task The_full_round_trip_connects_the_config_and_returns_to_its_page()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));

        using var browser = Browser();
        using var back = await browser.GetAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var location = back.Headers.Location!.ToString();
        Assert.StartsWith($"/t/default/integrations/{integration}/configs/{config}?verified=success", location);
        Assert.Equal(["authorization_code"], _provider.Issued);

        var fetched = await (await http.GetAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("CONNECTED", fetched["authStatus"]!.GetValue<string>());
        Assert.Contains("read", fetched["oauthScopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.True(fetched["oauthExpiresAt"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // The tokens are stored (the refresh path can read them) but never shown or logged.
        var access = await app.Services.GetRequiredService<OAuthService>().RefreshIfNeededAsync(Admin, integration, Guid.Parse(config), null, TimeSpan.Zero);
        Assert.True(access.IsSuccess, access.Error?.Detail);
        Assert.DoesNotContain(access.Value!.Value, fetched.ToJsonString());
        Assert.DoesNotContain(access.Value.Value, app.Logs.All);
        Assert.DoesNotContain(LoopbackAuthorizationServer.ClientSecret, app.Logs.All);
    }

    [Fact]
    public async Task A_replayed_callback_is_refused_and_changes_nothing()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        using var browser = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(callback.PathAndQuery)).StatusCode);

        Assert.Contains("already used", await ErrorPageAsync(await browser.GetAsync(callback.PathAndQuery)));
        Assert.Single(_provider.Issued);
    }

    [Fact]
    public async Task A_tampered_state_is_refused_and_nothing_is_stored()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        var query = QueryHelpers.ParseQuery(callback.Query);
        var state = query["state"].ToString();
        var tampered = (state[0] == 'A' ? 'B' : 'A') + state[1..];

        using var browser = Browser();
        await ErrorPageAsync(await browser.GetAsync($"/oauth/callback?code={Uri.EscapeDataString(query["code"]!)}&state={tampered}"));
        await ErrorPageAsync(await browser.GetAsync($"/oauth/callback?code={Uri.EscapeDataString(query["code"]!)}"));
        Assert.Empty(_provider.Issued);
        Assert.Equal("NOT_CONNECTED", await StatusAsync(http, integration, config));
    }

    [Fact]
    public async Task An_expired_state_is_refused()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        var hash = OAuthService.Hash(QueryHelpers.ParseQuery(callback.Query)["state"]!);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var past = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
            Assert.Equal(1, await db.OAuthStates.Where(s => s.StateHash == hash).ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresAt, past)));
        }

        using var browser = Browser();
        Assert.Contains("expired", await ErrorPageAsync(await browser.GetAsync(callback.PathAndQuery)));
        Assert.Equal("NOT_CONNECTED", await StatusAsync(http, integration, config));
    }

    [Fact]
    public async Task The_provider_refuses_a_code_whose_pkce_verifier_does_not_match()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        var hash = OAuthService.Hash(QueryHelpers.ParseQuery(callback.Query)["state"]!);
        var forged = app.Services.GetRequiredService<CredentialProtector>().Protect(new string('x', 43));
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            await db.OAuthStates.Where(s => s.StateHash == hash).ExecuteUpdateAsync(s => s.SetProperty(x => x.CodeVerifierProtected, forged));
        }

        using var browser = Browser();
        using var back = await browser.GetAsync(callback.PathAndQuery);
        var location = WebUtility.UrlDecode(back.Headers.Location!.ToString());
        Assert.Contains("verified=error", location);
        Assert.Contains("invalid_grant", location);
        Assert.Empty(_provider.Issued);
        Assert.Equal("NOT_CONNECTED", await StatusAsync(http, integration, config));
    }

    [Fact]
    public async Task A_provider_error_is_shown_plainly_on_the_config_page()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        _provider.DenyNext = true;
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        Assert.Equal("access_denied", QueryHelpers.ParseQuery(callback.Query)["error"]);

        using var browser = Browser();
        using var back = await browser.GetAsync(callback.PathAndQuery);
        var location = back.Headers.Location!.ToString();
        var query = QueryHelpers.ParseQuery(new Uri("http://x" + location).Query);
        Assert.Equal("error", query["verified"]);
        Assert.Contains("access_denied", query["message"].ToString());
        Assert.Contains("The user declined.", query["message"].ToString());
        Assert.Equal("NOT_CONNECTED", await StatusAsync(http, integration, config));
    }

    [Fact]
    public async Task A_flow_started_in_a_browser_completes_only_in_that_browser()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var user = new Actor(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);
        var binding = "browser-binding-value-0123456789abcdef-0123456789";
        var verification = app.Services.GetRequiredService<VerificationService>();
        var started = await verification.VerifyAuthAsync(user, integration, Guid.Parse(config), null, new OAuthStartContext("http://localhost", binding));
        var callback = await ProviderRedirectAsync(started.Value!.AuthorizationUrl!);

        using var otherBrowser = Browser();
        Assert.Contains("another browser session", await ErrorPageAsync(await otherBrowser.GetAsync(callback.PathAndQuery)));
        using var request = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        request.Headers.Add("Cookie", "portal.oauth=some-other-browser-value-0123456789abcdef");
        await ErrorPageAsync(await otherBrowser.SendAsync(request));

        // The refused attempts did not burn the state: the right browser still completes.
        using var sameBrowser = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        sameBrowser.Headers.Add("Cookie", $"portal.oauth={binding}");
        using var back = await otherBrowser.SendAsync(sameBrowser);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal("CONNECTED", await StatusAsync(http, integration, config));
    }

    [Fact]
    public async Task Tokens_are_refreshed_before_expiry_and_a_refused_refresh_needs_reauthorization()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        using var browser = Browser();
        await browser.GetAsync(callback.PathAndQuery);
        var oauth = app.Services.GetRequiredService<OAuthService>();
        var id = Guid.Parse(config);

        var first = await oauth.RefreshIfNeededAsync(Admin, integration, id, null, TimeSpan.FromMinutes(5));
        Assert.Equal(["authorization_code"], _provider.Issued); // still valid for an hour: no refresh

        var refreshed = await oauth.RefreshIfNeededAsync(Admin, integration, id, null, TimeSpan.FromHours(2));
        Assert.True(refreshed.IsSuccess, refreshed.Error?.Detail);
        Assert.Equal(["authorization_code", "refresh_token"], _provider.Issued);
        Assert.NotEqual(first.Value!.Value, refreshed.Value!.Value);
        Assert.Equal("CONNECTED", await StatusAsync(http, integration, config));

        _provider.RefuseRefresh = true;
        var refused = await oauth.RefreshIfNeededAsync(Admin, integration, id, null, TimeSpan.FromHours(2));
        Assert.False(refused.IsSuccess);
        Assert.Contains("invalid_grant", refused.Error!.Detail);
        Assert.Equal("NEEDS_REAUTH", await StatusAsync(http, integration, config));

        // Issue 17: the connection and the refused refresh are announced (outbox rows of their own transactions), never a token.
        await using var db = await app.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>().CreateDbContextAsync();
        var events = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.NotificationMessages.Where(m => m.Payload.Contains(config)).OrderBy(m => m.Id));
        Assert.Equal(["oauth.connected", "oauth.needs_reauth"], events.Select(e => e.EventType));
        Assert.Contains("invalid_grant", events[1].Payload, StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(refreshed.Value.Value, e.Payload, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain(first.Value.Value, e.Payload, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_background_refresher_renews_a_token_that_is_about_to_expire()
    {
        _provider.RefuseRefresh = false; // the provider is shared by the class
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        var callback = await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config));
        using var browser = Browser();
        await browser.GetAsync(callback.PathAndQuery);
        var refresher = app.Services.GetRequiredService<OAuthTokenRefresher>();
        var before = _provider.Issued.Count(g => g == "refresh_token");

        Assert.Equal(0, await refresher.RefreshDueAsync(TimeSpan.FromMinutes(5))); // valid for an hour: nothing due
        Assert.True(await refresher.RefreshDueAsync(TimeSpan.FromHours(2)) >= 1);
        Assert.True(_provider.Issued.Count(g => g == "refresh_token") > before);
        Assert.Equal("CONNECTED", await StatusAsync(http, integration, config));
    }

    [Fact]
    public async Task Changing_the_auth_of_a_connected_config_forgets_its_tokens()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        using (var browser = Browser())
        {
            await browser.GetAsync((await ProviderRedirectAsync(await AuthorizationUrlAsync(http, integration, config))).PathAndQuery);
        }

        Assert.Equal("CONNECTED", await StatusAsync(http, integration, config));
        await (await http.PatchAsJsonAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}", new JsonObject { ["auth"] = Auth("oauth") })).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("NOT_CONNECTED", await StatusAsync(http, integration, config));
        var access = await app.Services.GetRequiredService<OAuthService>().RefreshIfNeededAsync(Admin, integration, Guid.Parse(config), null, TimeSpan.Zero);
        Assert.False(access.IsSuccess);
    }

    [Fact]
    public async Task Starting_from_the_browser_requires_a_signed_in_user()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await OAuthConfigAsync(http);
        using var anonymous = Browser();
        using var response = await anonymous.GetAsync($"/oauth/start?tenant=default&integration={integration}&config={config}");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }
}
