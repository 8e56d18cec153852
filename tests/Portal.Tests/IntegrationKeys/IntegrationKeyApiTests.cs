using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.IntegrationKeys;

/// <summary>Integration keys on the Svix routes: rotation, Admin-only audited read-back, idempotency, tenant isolation.</summary>
public sealed class IntegrationKeyApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Integration(string id, string tenant = PortalApplication.Tenant) => $"/api/v1/app/{tenant}/integration/{id}";

    private async Task<(HttpClient Admin, string Id)> IntegrationAsync(string prefix)
    {
        var admin = await app.ClientAsync();
        var id = ApiTestData.NewId(prefix);
        await admin.CreateIntegrationAsync(ApiTestData.SmallIntegration(id));
        return (admin, id);
    }

    private static async Task<string> RotateAsync(HttpClient http, string id) =>
        (await (await http.PostAsync($"{Integration(id)}/key/rotate", null)).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>();

    private Task<IReadOnlyList<string>> UsableKeysAsync(string id) =>
        app.Services.GetRequiredService<KeyEngine>().RevealUsableAsync(PortalApplication.Tenant, KeyOwner.ForIntegration(id));

    private static async Task<JsonArray> AuditAsync(HttpClient http, string action, string id) =>
        (await (await http.GetAsync($"/v1/tenants/default/audit?action={action}&target=integrations/{id}/key")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();

    [Fact]
    public async Task The_first_rotation_mints_the_key_and_the_next_one_revokes_it_at_once()
    {
        var (admin, id) = await IntegrationAsync("first");
        using var _ = admin;

        var first = await RotateAsync(admin, id);
        var second = await RotateAsync(admin, id);

        Assert.NotEqual(first, second);
        Assert.Equal(new[] { second }, await UsableKeysAsync(id));
        Assert.Single(await AuditAsync(admin, "key.mint", id));
        Assert.Equal(first[..16], Assert.Single(await AuditAsync(admin, "key.revoke", id))!["keyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reading_the_key_before_any_rotation_is_a_404_problem()
    {
        var (admin, id) = await IntegrationAsync("nokey");
        using var _ = admin;
        var problem = await (await admin.GetAsync($"{Integration(id)}/key")).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("rotate", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_read_of_the_key_writes_a_key_reveal_audit_event_without_the_key()
    {
        var (admin, id) = await IntegrationAsync("audited");
        using var _ = admin;
        var key = await RotateAsync(admin, id);

        await (await admin.GetAsync($"{Integration(id)}/key")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.GetAsync($"{Integration(id)}/key")).ExpectAsync(HttpStatusCode.OK);

        var reveals = await AuditAsync(admin, "key.reveal", id);
        Assert.Equal(2, reveals.Count);
        Assert.All(reveals, e =>
        {
            Assert.Equal("success", e!["outcome"]!.GetValue<string>());
            Assert.Equal(key[..16], e["keyPrefix"]!.GetValue<string>());
            Assert.Equal($"client:{PortalApplication.AdminClientId}", e["actor"]!.GetValue<string>());
        });
        var audit = await (await admin.GetAsync("/v1/tenants/default/audit?take=500")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_the_key_back_is_Admin_only_and_the_refusal_is_audited()
    {
        var (admin, id) = await IntegrationAsync("adminonly");
        using var _ = admin;
        var key = await RotateAsync(admin, id);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        var response = await viewer.GetAsync($"{Integration(id)}/key");

        var body = await response.Content.ReadAsStringAsync();
        await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.DoesNotContain(key, body, StringComparison.Ordinal);
        var denied = Assert.Single(await AuditAsync(admin, "key.reveal", id));
        Assert.Equal("denied", denied!["outcome"]!.GetValue<string>());
        await (await viewer.GetAsync(Integration(id))).ExpectAsync(HttpStatusCode.OK); // a Viewer may still read the integration
    }

    [Fact]
    public async Task A_viewer_cannot_rotate_the_key()
    {
        var (admin, id) = await IntegrationAsync("viewrot");
        using var _ = admin;
        var key = await RotateAsync(admin, id);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.PostAsync($"{Integration(id)}/key/rotate", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(new[] { key }, await UsableKeysAsync(id));
    }

    [Fact]
    public async Task A_retried_rotation_with_the_same_idempotency_key_returns_the_same_key_and_rotates_once()
    {
        var (admin, id) = await IntegrationAsync("idem");
        using var _ = admin;
        async Task<HttpResponseMessage> Rotate()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"{Integration(id)}/key/rotate");
            request.Headers.Add("idempotency-key", $"svix-{id}"); // as the official Svix client spells it
            return await admin.SendAsync(request);
        }

        var first = (await (await Rotate()).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>();
        var replay = await Rotate();

        Assert.Equal(first, (await replay.ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        var current = await (await admin.GetAsync($"{Integration(id)}/key")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first, current["key"]!.GetValue<string>());
        Assert.Empty(await AuditAsync(admin, "key.rotate", id));
    }

    [Fact]
    public async Task Another_tenant_gets_404_for_the_integration_its_key_and_its_rotation()
    {
        var (admin, id) = await IntegrationAsync("iso");
        using var _ = admin;
        var key = await RotateAsync(admin, id);
        using var other = await app.OtherTenantClientAsync("svix-other");

        await (await other.GetAsync(Integration(id))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"{Integration(id)}/key")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"{Integration(id)}/key/rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"{Integration(id, "svix-other")}/key")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"{Integration(id, "svix-other")}/key/rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(new[] { key }, await UsableKeysAsync(id));
    }

    [Fact]
    public async Task An_unknown_integration_is_a_404_problem_and_no_token_is_a_401_problem()
    {
        using var admin = await app.ClientAsync();
        await (await admin.GetAsync(Integration("does-not-exist"))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync($"{Integration("does-not-exist")}/key/rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);

        using var anonymous = app.CreateClient();
        await (await anonymous.GetAsync(Integration("does-not-exist"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Deleting_the_integration_revokes_its_key_so_a_new_one_with_the_same_id_starts_without()
    {
        var (admin, id) = await IntegrationAsync("reborn");
        using var _ = admin;
        await RotateAsync(admin, id);

        await (await admin.DeleteAsync($"/v1/tenants/default/integrations/{id}")).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Empty(await UsableKeysAsync(id));
        await admin.CreateIntegrationAsync(ApiTestData.SmallIntegration(id));

        await (await admin.GetAsync($"{Integration(id)}/key")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task No_key_reaches_a_log_line()
    {
        var (admin, id) = await IntegrationAsync("logs");
        using var _ = admin;
        var keys = new[] { await RotateAsync(admin, id), await RotateAsync(admin, id) };
        await (await admin.GetAsync($"{Integration(id)}/key")).ExpectAsync(HttpStatusCode.OK);

        Assert.NotEmpty(app.Logs.Lines);
        Assert.All(keys, k => Assert.DoesNotContain(k, app.Logs.All, StringComparison.Ordinal));
    }
}
