using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Xunit.Abstractions;

namespace Portal.Tests.Figures;

/// <summary>
/// The security figures: each test walks every route the OpenAPI document declares (so a new route is covered
/// without an edit), prints its figure and asserts it. Run in name order; secret hygiene runs last.
/// Integration-key scope is covered route by route in <see cref="IntegrationKeys.IntegrationKeyAccessTests"/>.
/// </summary>
[TestCaseOrderer(ByNameOrderer.Name, "Portal.Tests")]
public sealed partial class SecurityFigures(FiguresPortal figures, ITestOutputHelper output) : IClassFixture<FiguresPortal>
{
    private const string Attacker = "figures-attacker";

    /// <summary>
    /// Inbound webhooks (the key is in the path) and secret scanning reports (signed by GitHub) are anonymous by design;
    /// the receiver tests and SecretScanning tests cover them.
    /// </summary>
    private static bool Anonymous(Route route) =>
        route.Template.StartsWith("/webhooks/", StringComparison.Ordinal) || route.Template.StartsWith("/secret-scanning/", StringComparison.Ordinal);

    private static bool TenantScoped(Route route) =>
        route.Template.StartsWith("/v1/tenants/{tenant}/", StringComparison.Ordinal) || route.Template.StartsWith("/api/v1/app/{app_id}/", StringComparison.Ordinal);

    private HttpRequestMessage Request(Route route, string url, Victim victim) =>
        new(new HttpMethod(route.Method), url)
        {
            Content = route.BodySchema is null && route.Method != "POST" ? null
                : new StringContent(figures.SampleBody(route.BodySchema, route.PathParameters.Contains("binding") ? victim.BindingIds : victim.Ids).ToJsonString(), Encoding.UTF8, "application/json"),
        };

    [Fact]
    public async Task Figure1_isolation_every_tenant_route_answers_another_tenants_admin_with_404_and_changes_nothing()
    {
        using var admin = await figures.ClientAsync();
        var victim = await Victim.SeedAsync(figures, admin);
        using (var setup = await figures.Portal.OtherTenantAsync(Attacker))
        {
            // The attacker's tenant holds integrations of the same ids, so only the victim's config, revision,
            // event, binding and client ids differ when the attacker addresses them under its own tenant.
            foreach (var integration in new[] { victim.Ids["integration"], victim.BindingIds["integration"] })
            {
                await (await setup.PostAsJsonAsync($"/v1/tenants/{Attacker}/integrations", Infrastructure.ApiTestData.SmallIntegration(integration))).ExpectAsync(HttpStatusCode.Created);
            }
        }

        var attackerToken = await figures.TokenAsync($"{Attacker}-admin", $"pcs_{Attacker}-secret-for-tests");
        using var attacker = await figures.ClientAsync(attackerToken);
        var (attackerMcpIntegration, attackerMcpConfig) = await McpTestData.CreateAsync(attacker, tenant: Attacker);
        var enabled = await (await attacker.PatchAsJsonAsync(McpTestData.Mcp(attackerMcpIntegration, Attacker), new { enabled = true, configId = attackerMcpConfig, exposedToolIds = new[] { "get_item" } })).ExpectAsync(HttpStatusCode.OK);
        using var attackerMcp = await figures.ClientAsync(enabled["apiKey"]!.GetValue<string>());
        var before = await victim.SnapshotAsync(admin);
        string[] victimOnly = ["config", "revision", "id", "binding", "clientId"];

        var routes = figures.Routes.Where(TenantScoped).ToList();
        var cases = 0;
        var leaks = new List<string>();
        foreach (var route in routes)
        {
            var attempts = new List<string> { victim.Fill(route) };
            if (route.PathParameters.Any(victimOnly.Contains))
            {
                attempts.Add(victim.Fill(route, (p, v) => p is "tenant" or "app_id" ? Attacker : v));
            }

            foreach (var url in attempts)
            {
                cases++;
                using var response = await (route.McpKeyOnly ? attackerMcp : attacker).SendAsync(Request(route, url, victim));
                // Routes that take MCP keys only (mcp:call, mcp:test) are tried with the attacker's MCP key: refused as not this integration's.
                if (response.StatusCode != HttpStatusCode.NotFound && !(route.McpKeyOnly && response.StatusCode == HttpStatusCode.Unauthorized))
                {
                    leaks.Add($"{route} as {url} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        // XRPC names the secret and the tenant is the caller's: the victim's secret is not found there.
        // seed 003: "Errors … NotFound" (XRPC errors are {error, message}, not ProblemDetails)
        cases++;
        using (var xrpc = await attacker.PostAsJsonAsync("/xrpc/place.wisp.v2.secret.rotate", new { name = victim.Ids["name"] }))
        {
            var error = await xrpc.Content.ReadAsStringAsync();
            if (xrpc.IsSuccessStatusCode || JsonNode.Parse(error)?["error"]?.ToString() != "NotFound")
            {
                leaks.Add($"xrpc rotate of the victim's secret -> {(int)xrpc.StatusCode} {error}");
            }
        }

        var after = await victim.SnapshotAsync(admin);
        output.WriteLine($"isolation: {routes.Count} routes x {cases} cases, {leaks.Count} leaks");
        leaks.Take(20).ToList().ForEach(output.WriteLine);
        Assert.True(routes.Count >= 40, $"only {routes.Count} tenant routes in the OpenAPI document");
        Assert.Empty(leaks);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Figure2_roles_every_mutating_route_refuses_a_viewer_with_403_and_changes_nothing()
    {
        using var admin = await figures.ClientAsync();
        var victim = await Victim.SeedAsync(figures, admin);
        var created = await (await admin.PostAsJsonAsync($"/v1/tenants/{victim.Tenant}/api-clients", new { displayName = "figures viewer", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        using var viewer = await figures.ClientAsync(await figures.TokenAsync(created["clientId"]!.GetValue<string>(), created["clientSecret"]!.GetValue<string>()));
        var before = await victim.SnapshotAsync(admin);

        // mcp:call and mcp:test take MCP keys, never an API client's token (McpKeyScopeTests); a Viewer has no such key.
        var routes = figures.Routes.Where(r => r.Mutates && !Anonymous(r) && !r.McpKeyOnly).ToList();
        var wrong = new List<string>();
        foreach (var route in routes)
        {
            using var response = await viewer.SendAsync(Request(route, victim.Fill(route), victim));
            if (response.StatusCode != HttpStatusCode.Forbidden)
            {
                wrong.Add($"{route} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        var after = await victim.SnapshotAsync(admin);
        output.WriteLine($"roles: {routes.Count} mutating routes x Viewer, {routes.Count - wrong.Count} refused with 403, {wrong.Count} not");
        wrong.ForEach(output.WriteLine);
        Assert.True(routes.Count >= 30, $"only {routes.Count} mutating routes");
        Assert.Empty(wrong);
        Assert.Equal(before, after);
    }
}
