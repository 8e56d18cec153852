using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Security;

/// <summary>Access tokens stop at once when their client's secret is rotated or the client is deleted; a removed member's cookie opens nothing.</summary>
public sealed class TokenRevocationTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string ApiClients = "/v1/tenants/default/api-clients";
    private const string Integrations = "/v1/tenants/default/integrations";

    private async Task<(string ClientId, string Secret)> CreateClientAsync(string role = "Admin")
    {
        using var admin = await app.ClientAsync();
        var body = await (await admin.PostAsJsonAsync(ApiClients, new { displayName = "revocable", role })).ExpectAsync(HttpStatusCode.Created);
        return (body["clientId"]!.GetValue<string>(), body["clientSecret"]!.GetValue<string>());
    }

    private HttpClient WithToken(string token)
    {
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task ExpectRevokedAsync(HttpResponseMessage response)
    {
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_issued_before_a_secret_rotation_is_refused_after_it()
    {
        var (clientId, secret) = await CreateClientAsync();
        var (otherId, otherSecret) = await CreateClientAsync();
        var token = await app.TokenAsync(clientId, secret);
        var otherToken = await app.TokenAsync(otherId, otherSecret);
        using var before = WithToken(token);
        await (await before.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);

        using var admin = await app.ClientAsync();
        var rotated = await (await admin.PostAsync($"{ApiClients}/{clientId}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK);

        using var after = WithToken(token);
        await ExpectRevokedAsync(await after.GetAsync(Integrations));
        await ExpectRevokedAsync(await after.PostAsync($"{ApiClients}/{clientId}:rotateSecret", null));

        // A token of the new secret works; another client's token is untouched.
        using var fresh = WithToken(await app.TokenAsync(clientId, rotated["clientSecret"]!.GetValue<string>()));
        await (await fresh.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
        using var other = WithToken(otherToken);
        await (await other.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_bootstrap_secret_changed_back_to_one_already_recorded_ends_the_tokens_of_the_secret_in_between()
    {
        // Tokens are checked from memory once seen; a re-key that issues no key (the secret is already in the ledger)
        // must still make every instance forget them.
        await using var portal = new PortalApplication();
        var clients = portal.Services.GetRequiredService<Portal.Core.ApiClients.ApiClientService>();
        const string between = "pcs_Another-secret-set-for-a-while-by-the-operator";
        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, between);
        using var http = portal.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await portal.TokenAsync(PortalApplication.AdminClientId, between));
        await (await http.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);

        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);

        await ExpectRevokedAsync(await http.GetAsync(Integrations));
    }

    [Fact]
    public async Task A_token_request_whose_secret_is_rotated_after_OpenIddict_verified_it_gets_no_token()
    {
        // The endpoint's own check runs after OpenIddict has verified the presented secret, and a rotation can commit in
        // between. Before, the token then carried the new secret's prefix (read from the rotated row) and outlived the
        // rotation. Here the interleaving is made by hand: the secret is rotated, then the check runs for the old one.
        var (clientId, secret) = await CreateClientAsync();
        var clients = app.Services.GetRequiredService<Portal.Core.ApiClients.ApiClientService>();
        using var admin = await app.ClientAsync();
        var rotated = await (await admin.PostAsync($"{ApiClients}/{clientId}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK);
        var client = (await clients.FindAsync(clientId))!;

        var stale = await clients.CheckTokenRequestAsync(client, secret, "203.0.113.7");
        Assert.Contains("rotated while this token was requested", stale.Refusal, StringComparison.Ordinal);

        var current = await clients.CheckTokenRequestAsync(client, rotated["clientSecret"]!.GetValue<string>(), "203.0.113.7");
        Assert.Null(current.Refusal);
        Assert.Equal(rotated["secretPrefix"]!.GetValue<string>(), current.SecretPrefix);
    }

    [Fact]
    public async Task A_bootstrap_secret_set_back_to_an_earlier_one_works_again_and_the_one_in_between_stops()
    {
        // Configuration is authoritative: an operator who rolls the configured secret back gets a client that works with it.
        // Before, the earlier secret's key stayed revoked by the change in between and every token of it was refused.
        await using var portal = new PortalApplication();
        var clients = portal.Services.GetRequiredService<Portal.Core.ApiClients.ApiClientService>();
        var tokenFromBefore = await portal.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);
        const string between = "pcs_A-secret-the-operator-set-and-then-rolled-back";
        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, between);
        var betweenToken = await portal.TokenAsync(PortalApplication.AdminClientId, between);
        await Task.Delay(1100); // a token's iat has whole seconds: the one from before must be a whole second older than the roll-back

        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);

        using var back = portal.CreateClient();
        back.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await portal.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret));
        await (await back.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
        using var stale = portal.CreateClient();
        stale.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", betweenToken);
        await ExpectRevokedAsync(await stale.GetAsync(Integrations));
        // A token of the earlier secret from before it was replaced stays ended (it may be why the operator replaced it).
        using var fromBefore = portal.CreateClient();
        fromBefore.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokenFromBefore);
        await ExpectRevokedAsync(await fromBefore.GetAsync(Integrations));
        using var noToken = await portal.CreateClient().PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = PortalApplication.AdminClientId, ["client_secret"] = between,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

        // Announced as a rotation is: the earlier value's key in force again, the one in between revoked.
        var factory = portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var announced = db.NotificationMessages.Where(m => m.EventType == "key.rotated").OrderBy(m => m.Id).AsEnumerable()
                .Select(m => System.Text.Json.Nodes.JsonNode.Parse(m.Payload)!["data"]!).Last();
            Assert.Equal(Portal.Core.Keys.SecretFormat.Display("pcs_", PortalApplication.AdminClientSecret), announced["keyPrefix"]!.GetValue<string>());
            Assert.Equal(Portal.Core.Keys.SecretFormat.Display("pcs_", between), announced["previousKeyPrefix"]!.GetValue<string>());
            Assert.True(announced["reinstated"]!.GetValue<bool>());
        }

        // And a restart with the same configuration changes nothing (idempotent).
        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);
        await (await back.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>Records a leak report on the ledger key of <paramref name="secret"/>, as the leak intake does.</summary>
    private static async Task MarkLeakedAsync(PortalApplication portal, string secret)
    {
        var factory = portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>();
        var hash = Portal.Core.Keys.SecretFormat.Hash(secret);
        await using var db = await factory.CreateDbContextAsync();
        db.IssuedKeys.Single(k => k.Hash == hash).LeakedAt = 1;
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task A_bootstrap_secret_set_back_to_one_reported_leaked_is_refused_at_start()
    {
        await using var portal = new PortalApplication();
        var clients = portal.Services.GetRequiredService<Portal.Core.ApiClients.ApiClientService>();
        await MarkLeakedAsync(portal, PortalApplication.AdminClientSecret);

        const string between = "pcs_The-secret-set-after-the-leak-report-came-in";
        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, between);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, PortalApplication.AdminClientSecret));
        Assert.Contains("reported leaked", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PortalApplication.AdminClientSecret, refused.Message, StringComparison.Ordinal);

        // Refused before anything changed: the secret in force still gets tokens, the leaked one none.
        using var current = portal.CreateClient();
        current.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await portal.TokenAsync(PortalApplication.AdminClientId, between));
        await (await current.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_bootstrap_secret_reported_leaked_while_in_force_does_not_stop_the_start()
    {
        // What a leak report does to the key in force is the tenant's leak policy's business; a restart must not fail on it.
        await using var portal = new PortalApplication();
        var clients = portal.Services.GetRequiredService<Portal.Core.ApiClients.ApiClientService>();
        await MarkLeakedAsync(portal, PortalApplication.AdminClientSecret);

        await clients.EnsureAsync(PortalApplication.Tenant, PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);

        using var http = portal.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await portal.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret));
        await (await http.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_of_a_deleted_client_is_refused()
    {
        var (clientId, secret) = await CreateClientAsync();
        var token = await app.TokenAsync(clientId, secret);
        using var before = WithToken(token);
        await (await before.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);

        using var admin = await app.ClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{ApiClients}/{clientId}")).StatusCode);

        using var after = WithToken(token);
        await ExpectRevokedAsync(await after.GetAsync(Integrations));
    }

    [Fact]
    public async Task A_removed_member_is_refused_on_the_next_request_with_the_same_cookie()
    {
        const string email = "leaving.member@example.com";
        using var admin = await app.ClientAsync();
        var added = await (await admin.PostAsJsonAsync("/v1/tenants/default/members", new { email, role = "Admin" })).ExpectAsync(HttpStatusCode.OK);
        using var browser = await app.SignInAsync(email, added["initialPassword"]!.GetValue<string>());
        await (await browser.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/tenants/default/members/{email}")).StatusCode);

        // The membership is read on every request: the tenant is gone for them (404, its existence does not leak).
        await (await browser.GetAsync(Integrations)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await browser.GetAsync(ApiClients)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_token_whose_not_before_is_in_the_future_is_refused()
    {
        var (clientId, secret) = await CreateClientAsync();
        var issued = new JsonWebToken(await app.TokenAsync(clientId, secret));

        // Control: the same claims re-signed with the server's key and a past nbf are accepted...
        using (var valid = WithToken(Resign(issued, notBefore: DateTime.UtcNow.AddMinutes(-1))))
        {
            await (await valid.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
        }

        // ...and with an nbf an hour ahead they are not.
        using var early = WithToken(Resign(issued, notBefore: DateTime.UtcNow.AddHours(1)));
        await ExpectRevokedAsync(await early.GetAsync(Integrations));
    }

    /// <summary>The token's claims, signed with the portal's own signing key, with a chosen nbf.</summary>
    private string Resign(JsonWebToken token, DateTime notBefore)
    {
        var server = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
        var claims = token.Claims
            .Where(c => c.Type is not (JwtRegisteredClaimNames.Nbf or JwtRegisteredClaimNames.Exp or JwtRegisteredClaimNames.Iat))
            .GroupBy(c => c.Type)
            .ToDictionary(g => g.Key, g => (object)(g.Count() == 1 ? g.First().Value : g.Select(c => c.Value).ToArray()));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            NotBefore = notBefore,
            IssuedAt = DateTime.UtcNow.AddMinutes(-1),
            Expires = notBefore.AddHours(1) > DateTime.UtcNow.AddMinutes(30) ? notBefore.AddHours(1) : DateTime.UtcNow.AddMinutes(30),
            TokenType = token.Typ,
            SigningCredentials = server.SigningCredentials.First(),
        });
    }
}
