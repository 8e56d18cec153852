using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.IntegrationKeys;

/// <summary>
/// seed 004: "Integration keys grant scoped access to manage an application's webhook configuration."
/// An <c>integsk_</c> bearer reads its own integration and configs and manages their webhook URLs, bindings and inbox;
/// every other route refuses it (403), another tenant's routes answer 404, and a rotated-away key is 401.
/// </summary>
public sealed class IntegrationKeyAccessTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string OtherTenant = "integsk-other";
    private const string Base = $"/v1/tenants/{PortalApplication.Tenant}";

    /// <summary>What an opened route needs: an integration of this ownership, and what the admin prepares first.</summary>
    public sealed record Opened(string Ownership, Func<HttpClient, Target, Task<Target>> Prepare, Func<Target, HttpRequestMessage> Request, HttpStatusCode Success);

    public sealed record Target(string Integration, string Config, string? Binding = null)
    {
        public string ConfigPath => $"{Base}/integrations/{Integration}/configs/{Config}";
    }

    private static Task<Target> Nothing(HttpClient admin, Target t) => Task.FromResult(t);

    private static async Task<Target> WithConfigUrl(HttpClient admin, Target t)
    {
        await (await admin.GenerateAsync(t.Integration, t.Config)).ExpectAsync(HttpStatusCode.OK);
        return t;
    }

    private static async Task<Target> WithBinding(HttpClient admin, Target t)
    {
        var binding = await (await admin.PostAsJsonAsync($"{t.ConfigPath}/bindings", new { name = "eu" })).ExpectAsync(HttpStatusCode.Created);
        return t with { Binding = binding["id"]!.GetValue<string>() };
    }

    private static async Task<Target> WithBindingUrl(HttpClient admin, Target t)
    {
        var bound = await WithBinding(admin, t);
        await (await admin.PostAsync($"{bound.ConfigPath}/bindings/{bound.Binding}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);
        return bound;
    }

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);

    private static HttpRequestMessage Post(string url, object? body = null) => new(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };

    public static readonly Dictionary<string, Opened> OpenedRoutes = new()
    {
        ["integrations.get"] = new("CONFIG", Nothing, t => Get($"{Base}/integrations/{t.Integration}"), HttpStatusCode.OK),
        ["v1.integration.get"] = new("CONFIG", Nothing, t => Get($"/api/v1/app/{PortalApplication.Tenant}/integration/{t.Integration}"), HttpStatusCode.OK),
        ["configs.list"] = new("CONFIG", Nothing, t => Get($"{Base}/integrations/{t.Integration}/configs"), HttpStatusCode.OK),
        ["configs.get"] = new("CONFIG", Nothing, t => Get(t.ConfigPath), HttpStatusCode.OK),
        ["configs.webhook.generateUrl"] = new("CONFIG", Nothing, t => Post($"{t.ConfigPath}:generateWebhookUrl"), HttpStatusCode.OK),
        ["configs.webhook.rotate"] = new("CONFIG", WithConfigUrl, t => Post($"{t.ConfigPath}/webhook:rotate"), HttpStatusCode.OK),
        ["configs.webhook.keys.list"] = new("CONFIG", WithConfigUrl, t => Get($"{t.ConfigPath}/webhook/keys"), HttpStatusCode.OK),
        ["configs.webhook.events.list"] = new("CONFIG", WithConfigUrl, t => Get($"{t.ConfigPath}/webhook/events"), HttpStatusCode.OK),
        ["configs.bindings.list"] = new("PER_BINDING", WithBinding, t => Get($"{t.ConfigPath}/bindings"), HttpStatusCode.OK),
        ["configs.bindings.create"] = new("PER_BINDING", Nothing, t => Post($"{t.ConfigPath}/bindings", new { name = "us" }), HttpStatusCode.Created),
        ["configs.bindings.webhook.generateUrl"] = new("PER_BINDING", WithBinding, t => Post($"{t.ConfigPath}/bindings/{t.Binding}:generateWebhookUrl"), HttpStatusCode.OK),
        ["configs.bindings.webhook.rotate"] = new("PER_BINDING", WithBindingUrl, t => Post($"{t.ConfigPath}/bindings/{t.Binding}/webhook:rotate"), HttpStatusCode.OK),
    };

    public static TheoryData<string> OpenedRouteNames => new(OpenedRoutes.Keys);

    private HttpClient KeyClient(string key)
    {
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static async Task<string> RotateKeyAsync(HttpClient admin, string integration, string tenant = PortalApplication.Tenant) =>
        (await (await admin.PostAsync($"/api/v1/app/{tenant}/integration/{integration}/key/rotate", null)).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>();

    /// <summary>A new integration of this tenant with one config and a minted integration key.</summary>
    private static async Task<(Target Target, string Key)> KeyedIntegrationAsync(HttpClient admin, string ownership = "CONFIG", string tenant = PortalApplication.Tenant)
    {
        var (integration, config) = await admin.NewConfigAsync(ownership, tenant: tenant);
        return (new Target(integration, config), await RotateKeyAsync(admin, integration, tenant));
    }

    private async Task<string> OtherTenantKeyAsync()
    {
        using var other = await app.OtherTenantClientAsync(OtherTenant);
        return (await KeyedIntegrationAsync(other, tenant: OtherTenant)).Key;
    }

    [Theory]
    [MemberData(nameof(OpenedRouteNames))]
    public async Task An_opened_route_serves_the_key_of_its_own_integration_only(string route)
    {
        var opened = OpenedRoutes[route];
        using var admin = await app.ClientAsync();
        var (created, ownKey) = await KeyedIntegrationAsync(admin, opened.Ownership);
        var target = await opened.Prepare(admin, created);
        var (_, siblingKey) = await KeyedIntegrationAsync(admin);
        var foreignKey = await OtherTenantKeyAsync();

        using (var sibling = KeyClient(siblingKey))
        {
            var problem = await (await sibling.SendAsync(opened.Request(target))).ExpectProblemAsync(HttpStatusCode.Forbidden);
            Assert.Contains("manages that integration only", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using (var foreign = KeyClient(foreignKey))
        {
            await (await foreign.SendAsync(opened.Request(target))).ExpectProblemAsync(HttpStatusCode.NotFound);
        }

        using var own = KeyClient(ownKey);
        await (await own.SendAsync(opened.Request(target))).ExpectAsync(opened.Success);
    }

    [Fact]
    public async Task Every_other_route_refuses_the_key_with_403_and_changes_nothing()
    {
        using var admin = await app.ClientAsync();
        var (t, key) = await KeyedIntegrationAsync(admin, "PER_BINDING");
        var bound = await WithBinding(admin, t);
        var path = $"{Base}/integrations/{t.Integration}";
        await (await admin.PostAsJsonAsync($"{Base}/signing-secrets", new { name = $"s-{t.Integration}" })).ExpectAsync(HttpStatusCode.Created);
        var before = await SnapshotAsync(admin, bound);

        var refused = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"{Base}/integrations", null),
            (HttpMethod.Post, $"{Base}/integrations", ApiTestData.SmallIntegration(ApiTestData.NewId("made-by-key"))),
            (HttpMethod.Put, path, ApiTestData.SmallIntegration(t.Integration, displayName: "Changed by key")),
            (HttpMethod.Patch, path, new { displayName = "Changed by key" }),
            (HttpMethod.Delete, path, null),
            (HttpMethod.Post, $"{path}:verifyConfig", new { }),
            (HttpMethod.Post, $"{path}/configs", new { displayName = "Made by key" }),
            (HttpMethod.Patch, bound.ConfigPath, new { displayName = "Changed by key" }),
            (HttpMethod.Delete, bound.ConfigPath, null),
            (HttpMethod.Post, $"{bound.ConfigPath}:publish", null),
            (HttpMethod.Get, $"{bound.ConfigPath}/revisions", null),
            (HttpMethod.Post, $"{bound.ConfigPath}:rollback", new { revisionId = Guid.NewGuid() }),
            (HttpMethod.Post, $"{bound.ConfigPath}:verifyAuth", null),
            (HttpMethod.Delete, $"{bound.ConfigPath}/bindings/{bound.Binding}", null),
            (HttpMethod.Get, $"{path}/mcp", null),
            (HttpMethod.Patch, $"{path}/mcp", new { enabled = true }),
            (HttpMethod.Post, $"{path}/mcp:rotateKey", null),
            (HttpMethod.Post, $"{path}/mcp:call", new { jsonrpc = "2.0", id = 1, method = "tools/list" }),
            (HttpMethod.Post, $"{path}/mcp:test", new { jsonrpc = "2.0", id = 1, method = "tools/list" }),
            (HttpMethod.Get, $"{Base}/signing-secrets", null),
            (HttpMethod.Post, $"{Base}/signing-secrets", new { name = "made-by-key" }),
            (HttpMethod.Post, $"{Base}/signing-secrets/s-{t.Integration}:rotate", null),
            (HttpMethod.Delete, $"{Base}/signing-secrets/s-{t.Integration}", null),
            (HttpMethod.Get, $"{Base}/api-clients", null),
            (HttpMethod.Post, $"{Base}/api-clients", new { displayName = "made by key", role = "Admin" }),
            (HttpMethod.Get, $"{Base}/audit", null),
            (HttpMethod.Get, $"{Base}/members", null),
            (HttpMethod.Post, $"{Base}/members", new { email = "key@example.com", role = "Admin" }),
            (HttpMethod.Get, "/v1/tenants", null),
            (HttpMethod.Post, "/v1/tenants", new { id = "made-by-key", displayName = "x" }),
            (HttpMethod.Post, $"/api/v1/app/{PortalApplication.Tenant}/integration/{t.Integration}/key/rotate", null),
            (HttpMethod.Get, $"/api/v1/app/{PortalApplication.Tenant}/integration/{t.Integration}/key", null),
        };

        using var http = KeyClient(key);
        foreach (var (method, url, body) in refused)
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) });
            var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
            Assert.Contains("webhook configuration", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // XRPC (seed 003) refuses in its own {error, message} shape.
        using (var xrpc = await http.PostAsJsonAsync("/xrpc/place.wisp.v2.secret.rotate", new { name = $"s-{t.Integration}" }))
        {
            var error = await xrpc.ExpectAsync(HttpStatusCode.Forbidden);
            Assert.Equal("Forbidden", error["error"]!.GetValue<string>());
            Assert.Contains("webhook configuration", error["message"]!.GetValue<string>(), StringComparison.Ordinal); // says why, not "failed with status 403"
        }

        Assert.Equal(before, await SnapshotAsync(admin, bound));
        Assert.Equal(key, (await (await admin.GetAsync($"/api/v1/app/{PortalApplication.Tenant}/integration/{t.Integration}/key")).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>());
        await (await http.GetAsync(path)).ExpectAsync(HttpStatusCode.OK); // the key itself still works where it is allowed
    }

    /// <summary>What a refused request could have changed, as the admin reads it.</summary>
    private static async Task<string> SnapshotAsync(HttpClient admin, Target t)
    {
        var reads = new[]
        {
            $"{Base}/integrations/{t.Integration}", $"{Base}/integrations/{t.Integration}/configs", t.ConfigPath, $"{t.ConfigPath}/revisions",
            $"{t.ConfigPath}/bindings", $"{Base}/integrations/{t.Integration}/mcp", $"{Base}/signing-secrets", $"{Base}/api-clients",
            $"{Base}/members", "/v1/tenants", $"{Base}/integrations?take=500",
        };
        var snapshot = new List<string>();
        foreach (var url in reads)
        {
            snapshot.Add((await (await admin.GetAsync(url)).ExpectAsync(HttpStatusCode.OK)).ToJsonString());
        }

        return string.Join('\n', snapshot);
    }

    [Fact]
    public async Task A_rotated_away_key_is_refused_on_the_next_request()
    {
        using var admin = await app.ClientAsync();
        var (t, old) = await KeyedIntegrationAsync(admin);
        using var before = KeyClient(old);
        await (await before.GetAsync($"{Base}/integrations/{t.Integration}")).ExpectAsync(HttpStatusCode.OK);

        var fresh = await RotateKeyAsync(admin, t.Integration);

        var problem = await (await before.GetAsync($"{Base}/integrations/{t.Integration}")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(old, problem.ToJsonString(), StringComparison.Ordinal);
        await (await before.PostAsync($"{t.ConfigPath}:generateWebhookUrl", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        using var after = KeyClient(fresh);
        await (await after.GetAsync($"{Base}/integrations/{t.Integration}")).ExpectAsync(HttpStatusCode.OK);
        var audit = await (await admin.GetAsync($"{Base}/audit?action=key.useRevoked&target=integration:{t.Integration}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(old[..16], audit["items"]!.AsArray().First()!["keyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_key_minted_before_keys_kept_a_lookup_hash_works_once_the_start_up_backfill_ran()
    {
        using var admin = await app.ClientAsync();
        var (t, key) = await KeyedIntegrationAsync(admin);
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            // What a store from before the KeyScopes migration holds: the encrypted value only.
            var owner = KeyOwner.ForIntegration(t.Integration).Stored;
            await db.IssuedKeys.Where(k => k.OwnerId == owner).ExecuteUpdateAsync(s => s.SetProperty(k => k.Hash, (string?)null));
        }

        using var http = KeyClient(key);
        await (await http.GetAsync($"{Base}/integrations/{t.Integration}")).ExpectProblemAsync(HttpStatusCode.Unauthorized);

        await app.Services.GetRequiredService<KeyEngine>().BackfillLookupHashesAsync(); // what the bootstrapper runs at every start

        await (await http.GetAsync($"{Base}/integrations/{t.Integration}")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_audit_log_names_the_key_by_its_prefix_never_the_key()
    {
        using var admin = await app.ClientAsync();
        var (t, key) = await KeyedIntegrationAsync(admin);
        using var http = KeyClient(key);

        await (await http.PostAsync($"{t.ConfigPath}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);
        await (await http.DeleteAsync(t.ConfigPath)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var minted = await (await admin.GetAsync($"{Base}/audit?action=key.mint&target=integrations/{t.Integration}/configs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal($"key:{key[..16]}", minted["items"]!.AsArray().Single()!["actor"]!.GetValue<string>());
        var denied = await (await admin.GetAsync($"{Base}/audit?action=DELETE denied&actor=key:{key[..16]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("denied", denied["items"]!.AsArray().Single()!["outcome"]!.GetValue<string>());
        var all = await (await admin.GetAsync($"{Base}/audit?take=500")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_states_the_scope_on_each_opened_route_and_only_there()
    {
        using var http = app.CreateClient();
        var document = await (await http.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["IntegrationKey"]!["scheme"]!.GetValue<string>());
        var scoped = new Dictionary<string, string>();
        foreach (var (_, item) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject())
            {
                if (operation?["x-integration-key-scope"] is { } scope && operation["operationId"] is { } id)
                {
                    scoped[id.GetValue<string>()] = scope.GetValue<string>();
                    Assert.Contains("webhooks:manage", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
                    Assert.Contains(operation["security"]!.AsArray(), r => r!.AsObject().ContainsKey("IntegrationKey"));
                }
            }
        }

        Assert.Equal(OpenedRoutes.Keys.Order(), scoped.Keys.Order());
        Assert.All(scoped.Values, s => Assert.Equal("webhooks:manage", s));
    }
}
