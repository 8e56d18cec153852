using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.OAuth;

/// <summary>
/// Seed 001: "Credentials are encrypted at rest and never returned in API responses." Every credential in an
/// integration's authSettings (a credential name in any spelling, or a parameter declared secret) is encrypted
/// and stripped like clientSecret, and verification still uses it.
/// </summary>
public sealed class AuthSettingsCredentialsTests(PortalApplication app) : IClassFixture<PortalApplication>, IAsyncLifetime
{
    /// <summary>One of each credential name and spelling, plus a parameter the method declares secret.</summary>
    private static readonly string[] CredentialNames =
    [
        "clientSecret", "client_secret", "ClientSecret", "apiKey", "API_KEY", "api-key", "password", "token",
        "accessToken", "refreshToken", "privateKey", "signingMaterial",
    ];

    private LoopbackUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await LoopbackUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private static string ValueOf(string name) => $"plain-{name}-value-8f2c1e";

    private static JsonObject DeclaredSecret(string name) => new() { ["name"] = name, ["type"] = "String", ["secret"] = true };

    private static JsonObject Body(string id, JsonObject settings, JsonArray parameters) => new()
    {
        ["id"] = id,
        ["displayName"] = "Credentials",
        ["configMetadata"] = new JsonObject
        {
            ["authMetadata"] = new JsonArray(new JsonObject
            {
                ["id"] = "key", ["type"] = "API_KEY", ["configTestSupported"] = true,
                ["authSettings"] = new JsonObject { ["parameters"] = settings },
                ["parametersMetadata"] = parameters,
            }),
        },
    };

    private static JsonObject Settings(JsonNode integration) => integration["configMetadata"]!["authMetadata"]![0]!["authSettings"]!.AsObject();

    [Fact]
    public async Task Every_credential_in_auth_settings_is_encrypted_at_rest_and_only_reported_as_set()
    {
        using var http = await app.ClientAsync();
        var id = ApiTestData.NewId("creds");
        var settings = new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/ping", ["headerName"] = "X-Api-Key" };
        foreach (var name in CredentialNames)
        {
            settings[name] = ValueOf(name);
        }

        var created = await http.CreateIntegrationAsync(Body(id, settings, [DeclaredSecret("signingMaterial")]));
        var fetched = await (await http.GetAsync($"{ApiTestData.Base}/integrations/{id}")).ExpectAsync(HttpStatusCode.OK);
        var listed = await (await http.GetAsync($"{ApiTestData.Base}/integrations?text={id}")).ExpectAsync(HttpStatusCode.OK);

        foreach (var response in new[] { created, fetched, listed })
        {
            var text = response.ToJsonString();
            Assert.All(CredentialNames, name => Assert.DoesNotContain(ValueOf(name), text, StringComparison.Ordinal));
        }

        var shown = Settings(fetched);
        Assert.Equal(["testUrl", "headerName"], shown["parameters"]!.AsObject().Select(p => p.Key));
        var states = shown["secretParameters"]!.AsObject();
        Assert.All(CredentialNames, name => Assert.True(states[name]?["set"]?.GetValue<bool>(), $"{name} should be reported as set: {states}"));

        // The row itself: no credential value in any column, in plain text.
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var row = await db.Integrations.AsNoTracking().SingleAsync(i => i.TenantId == PortalApplication.Tenant && i.Id == id);
        var stored = string.Join("\n", row.MetadataJson, row.CredentialsProtected, row.ToolsJson, row.SearchText, row.Tags, row.Description, row.DisplayName);
        Assert.All(CredentialNames, name => Assert.DoesNotContain(ValueOf(name), stored, StringComparison.Ordinal));
        Assert.Contains("headerName", row.MetadataJson, StringComparison.Ordinal);
        Assert.NotNull(row.CredentialsProtected);
    }

    [Fact]
    public async Task An_update_that_omits_a_credential_keeps_it_and_null_clears_it()
    {
        using var http = await app.ClientAsync();
        var id = ApiTestData.NewId("creds");
        await http.CreateIntegrationAsync(Body(id, new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/ping", ["API_KEY"] = LoopbackUpstream.ApiKey, ["refresh_token"] = "r-1" }, []));

        var kept = await (await http.PutAsJsonAsync($"{ApiTestData.Base}/integrations/{id}", Body(id, new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/ping", ["refresh_token"] = null }, []))).ExpectAsync(HttpStatusCode.OK);

        var states = Settings(kept)["secretParameters"]!.AsObject();
        Assert.True(states["API_KEY"]!["set"]!.GetValue<bool>());
        Assert.False(states.ContainsKey("refresh_token"), states.ToJsonString());
        var verified = await (await http.PostAsync($"{ApiTestData.Base}/integrations/{id}:verifyConfig", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(verified["success"]!.GetValue<bool>(), verified.ToJsonString());
    }

    [Theory]
    [InlineData("API_KEY", false)]
    [InlineData("api-key", false)]
    [InlineData("Api_Key", false)]
    [InlineData("upstreamKey", true)]
    public async Task Verification_uses_the_decrypted_stored_credential(string name, bool declaredSecret)
    {
        // seed 001: "use `:verifyConfig` to confirm credentials still authenticate without retrieving them"
        using var http = await app.ClientAsync();
        var id = ApiTestData.NewId("creds");
        await http.CreateIntegrationAsync(Body(id, new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/ping", [name] = LoopbackUpstream.ApiKey },
            declaredSecret ? [DeclaredSecret(name)] : []));

        var result = await (await http.PostAsync($"{ApiTestData.Base}/integrations/{id}:verifyConfig", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.True(result["success"]!.GetValue<bool>(), result.ToJsonString());
        Assert.DoesNotContain(LoopbackUpstream.ApiKey, app.Logs.All);
    }
}
