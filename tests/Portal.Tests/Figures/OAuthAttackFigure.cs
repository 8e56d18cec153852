using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.OAuth;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.OAuth;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.Figures;

public sealed partial class SecurityFigures
{
    private async Task<(string Integration, string Config)> OAuthConfigAsync(HttpClient http) =>
        await http.ConfigAsync("http://127.0.0.1:9", ConfigWithAuth(Auth("oauth")), figures.AuthorizationServer.BaseUrl, LoopbackAuthorizationServer.ClientId, LoopbackAuthorizationServer.ClientSecret);

    /// <summary>The browser at the provider: follow the authorization URL; the provider answers with a redirect (or refuses).</summary>
    private static async Task<HttpResponseMessage> AtProviderAsync(string authorizationUrl)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        return await browser.GetAsync(authorizationUrl);
    }

    private async Task<Uri> CallbackAsync(HttpClient http, string integration, string config)
    {
        var url = (await http.VerifiedAsync(integration, config))["authorizationUrl"]!.GetValue<string>();
        using var response = await AtProviderAsync(url);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    private async Task<string> AuthStatusAsync(HttpClient http, string integration, string config) =>
        (await (await http.GetAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}")).ExpectAsync(HttpStatusCode.OK))["authStatus"]!.GetValue<string>();

    private async Task StateExistsAsync(string state)
    {
        var hash = OAuthService.Hash(state);
        await using var db = await figures.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.OAuthStates.Where(s => s.StateHash == hash).CountAsync());
    }

    [Fact]
    public async Task Figure4_oauth_attacks_never_reach_a_token_exchange()
    {
        using var http = await figures.ClientAsync();
        var issued = figures.AuthorizationServer.Issued;
        var attacks = new Dictionary<string, Func<Task<(bool Refused, string Integration, string Config, int Legitimate)>>>();
        using var browser = figures.Browser();

        async Task<bool> RefusedAsync(string pathAndQuery, string? cookie = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }

            using var response = await browser.SendAsync(request);
            var location = response.Headers.Location?.ToString() ?? "";
            return response.StatusCode == HttpStatusCode.BadRequest || location.Contains("verified=error", StringComparison.Ordinal);
        }

        attacks["state replay"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var callback = await CallbackAsync(http, i, c);
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(callback.PathAndQuery)).StatusCode); // the legitimate exchange
            return (await RefusedAsync(callback.PathAndQuery), "", "", 1);
        };
        attacks["code reuse under a fresh state"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var first = await CallbackAsync(http, i, c);
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(first.PathAndQuery)).StatusCode); // the legitimate exchange
            var (i2, c2) = await OAuthConfigAsync(http);
            var second = QueryHelpers.ParseQuery((await CallbackAsync(http, i2, c2)).Query);
            var oldCode = QueryHelpers.ParseQuery(first.Query)["code"].ToString();
            return (await RefusedAsync($"/oauth/callback?code={Uri.EscapeDataString(oldCode)}&state={Uri.EscapeDataString(second["state"]!)}"), i2, c2, 1);
        };
        attacks["tampered state"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var query = QueryHelpers.ParseQuery((await CallbackAsync(http, i, c)).Query);
            var state = query["state"].ToString();
            return (await RefusedAsync($"/oauth/callback?code={Uri.EscapeDataString(query["code"]!)}&state={(state[0] == 'A' ? 'B' : 'A')}{state[1..]}"), i, c, 0);
        };
        attacks["missing state"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var query = QueryHelpers.ParseQuery((await CallbackAsync(http, i, c)).Query);
            return (await RefusedAsync($"/oauth/callback?code={Uri.EscapeDataString(query["code"]!)}"), i, c, 0);
        };
        attacks["expired state (clock moved past the lifetime)"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var callback = await CallbackAsync(http, i, c);
            await StateExistsAsync(QueryHelpers.ParseQuery(callback.Query)["state"]!);
            figures.Portal.Time.Advance(OAuthService.StateLifetime + TimeSpan.FromSeconds(1));
            return (await RefusedAsync(callback.PathAndQuery), i, c, 0);
        };
        attacks["another browser session's state"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var user = new Actor(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);
            var started = await figures.Portal.Services.GetRequiredService<VerificationService>()
                .VerifyAuthAsync(user, i, Guid.Parse(c), null, new OAuthStartContext("http://localhost", "browser-binding-of-the-victim-0123456789abcdef"));
            using var response = await AtProviderAsync(started.Value!.AuthorizationUrl!);
            var callback = response.Headers.Location!.PathAndQuery;
            var withoutCookie = await RefusedAsync(callback);
            var otherCookie = await RefusedAsync(callback, "portal.oauth=browser-binding-of-the-attacker-0123456789abcdef");
            return (withoutCookie && otherCookie, i, c, 0);
        };
        attacks["redirect_uri swapped in the authorization URL"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var url = (await http.VerifiedAsync(i, c))["authorizationUrl"]!.GetValue<string>();
            var evil = url.Replace(Uri.EscapeDataString(AuthorizationServerFixture.Callback), Uri.EscapeDataString("http://evil.example/oauth/callback"), StringComparison.Ordinal);
            Assert.NotEqual(url, evil);
            using var response = await AtProviderAsync(evil);
            var location = response.Headers.Location?.ToString() ?? "";
            return (!location.StartsWith("http://evil.example", StringComparison.Ordinal), i, c, 0);
        };
        attacks["redirect_uri mismatch at the exchange"] = async () =>
        {
            var (i, c) = await OAuthConfigAsync(http);
            var callback = await CallbackAsync(http, i, c);
            var hash = OAuthService.Hash(QueryHelpers.ParseQuery(callback.Query)["state"]!);
            await using (var db = await figures.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
            {
                Assert.Equal(1, await db.OAuthStates.Where(s => s.StateHash == hash).ExecuteUpdateAsync(s => s.SetProperty(x => x.RedirectUri, "http://evil.example/oauth/callback")));
            }

            return (await RefusedAsync(callback.PathAndQuery), i, c, 0);
        };

        var exchanges = 0;
        var failed = new List<string>();
        foreach (var (name, attack) in attacks)
        {
            var before = issued.Count;
            var (refused, integration, config, legitimate) = await attack();
            var caused = issued.Count - before - legitimate;
            exchanges += caused;
            var status = integration == "" ? "n/a" : await AuthStatusAsync(http, integration, config);
            output.WriteLine($"oauth attack: {name}: refused {refused}, token exchanges {caused}, config {status}");
            if (!refused || caused != 0 || status is not ("n/a" or "NOT_CONNECTED"))
            {
                failed.Add(name);
            }
        }

        output.WriteLine($"oauth attacks: {attacks.Count} cases, {exchanges} token exchanges");
        Assert.Equal(8, attacks.Count);
        Assert.Equal(0, exchanges);
        Assert.Empty(failed);
    }
}
