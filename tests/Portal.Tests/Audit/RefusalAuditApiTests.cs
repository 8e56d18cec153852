using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;
using Portal.Tests.Webhooks;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Audit;

/// <summary>
/// Every refusal is audited exactly once, by Core, under the operation it refused (the action its success would have)
/// and its target, whichever door the request came through: the REST API, XRPC, or an operation that runs in a unit
/// of work whose transaction is rolled back.
/// </summary>
public sealed class RefusalAuditApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    /// <summary>A new Viewer API client, and the actor name its audit rows carry.</summary>
    private async Task<(HttpClient Http, string Actor)> ViewerAsync(HttpClient admin)
    {
        var created = await (await admin.PostAsJsonAsync($"{Base}/api-clients", new { displayName = "refused viewer", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();
        return (await app.ClientAsync(clientId, created["clientSecret"]!.GetValue<string>()), $"client:{clientId}");
    }

    /// <summary>Everything the audit log holds for one actor, newest first: a new Viewer's rows are its refusals.</summary>
    private static async Task<List<(string Action, string Target, string Outcome)>> RowsOfAsync(HttpClient admin, string actor)
    {
        var page = await (await admin.GetAsync($"{Base}/audit?actor={Uri.EscapeDataString(actor)}&take=100")).ExpectAsync(HttpStatusCode.OK);
        return page["items"]!.AsArray()
            .Select(e => (e!["action"]!.GetValue<string>(), e["target"]!.GetValue<string>(), e["outcome"]!.GetValue<string>()))
            .ToList();
    }

    [Fact]
    public async Task A_viewers_refused_integration_delete_is_one_denied_row_named_by_the_operation()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("refused");
        await admin.CreateIntegrationAsync(SmallIntegration(id));
        var (viewer, actor) = await ViewerAsync(admin);
        using var _ = viewer;

        await (await viewer.DeleteAsync($"{Base}/integrations/{id}")).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal([("integration.delete", $"integrations/{id}", "denied")], await RowsOfAsync(admin, actor));
        await (await admin.GetAsync($"{Base}/integrations/{id}")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_refusal_inside_a_unit_of_work_is_recorded_once_although_the_operation_rolls_back()
    {
        using var admin = await app.ClientAsync();
        var name = SigningSecretTestData.NewName("refused");
        var token = await admin.CreateSigningSecretAsync(name);
        var (viewer, actor) = await ViewerAsync(admin);
        using var _ = viewer;

        await (await viewer.PostAsync($"{Base}/signing-secrets/{name}:rotate", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal([("signingSecret.rotate", $"signing-secrets/{name}", "denied")], await RowsOfAsync(admin, actor));
        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task A_refusal_through_xrpc_is_audited_once_too()
    {
        using var admin = await app.ClientAsync();
        var name = SigningSecretTestData.NewName("xrefused");
        await admin.CreateSigningSecretAsync(name);
        var (viewer, actor) = await ViewerAsync(admin);
        using var _ = viewer;

        await (await viewer.XrpcRotateAsync(new { name })).ExpectXrpcErrorAsync(HttpStatusCode.Forbidden, "Forbidden");

        Assert.Equal([("signingSecret.rotate", $"signing-secrets/{name}", "denied")], await RowsOfAsync(admin, actor));
    }

    [Fact]
    public async Task A_key_mint_the_key_engine_refuses_is_one_row_naming_the_mint()
    {
        using var admin = await app.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        var binding = (await (await admin.PostAsJsonAsync($"{WebhookApi.ConfigPath(integration, config)}/bindings", new { name = "eu" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var bindingPath = $"{WebhookApi.ConfigPath(integration, config)}/bindings/{binding}";
        var (viewer, actor) = await ViewerAsync(admin);
        using var _ = viewer;

        await (await viewer.PostAsync($"{bindingPath}:generateWebhookUrl", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal([("key.mint", $"integrations/{integration}/configs/{config}/bindings/{binding}", "denied")], await RowsOfAsync(admin, actor));
        var bindings = await (await admin.GetAsync($"{WebhookApi.ConfigPath(integration, config)}/bindings")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(bindings["items"]!.AsArray().Single()!["webhookKeyPrefix"]?.GetValue<string>()); // nothing was minted
    }

    [Fact]
    public async Task Refused_config_changes_are_each_one_row()
    {
        using var admin = await app.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var path = WebhookApi.ConfigPath(integration, config);
        var (viewer, actor) = await ViewerAsync(admin);
        using var _ = viewer;

        await (await viewer.PatchAsJsonAsync(path, new JsonObject { ["displayName"] = "Changed" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{path}:publish", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{path}:generateWebhookUrl", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var rows = await RowsOfAsync(admin, actor);
        Assert.Equal(
            [("key.mint", $"{path[(Base.Length + 1)..]}/webhook", "denied"), ("config.publish", path[(Base.Length + 1)..], "denied"), ("config.update", path[(Base.Length + 1)..], "denied")],
            rows);
    }
}
