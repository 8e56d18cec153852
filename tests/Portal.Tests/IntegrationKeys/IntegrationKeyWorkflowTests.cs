using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.IntegrationKeys;

/// <summary>Seed 004: the Svix "rotate integration key" workflow, run from the OpenAPI document as an Arazzo runner would.</summary>
public sealed class IntegrationKeyWorkflowTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private sealed record Operation(HttpMethod Method, string PathTemplate, JsonObject Definition);

    private async Task<Operation> FindOperationAsync(string operationId)
    {
        using var http = app.CreateClient();
        var document = await (await http.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
        var found = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Path: path.Key, Method: op.Key, Definition: op.Value as JsonObject)))
            .Where(o => o.Definition?["operationId"]?.GetValue<string>() == operationId)
            .ToList();
        var (pathTemplate, method, definition) = Assert.Single(found);
        return new Operation(new HttpMethod(method.ToUpperInvariant()), pathTemplate, definition!);
    }

    /// <summary>Substitutes the workflow's path parameters by their OpenAPI names, as the seed's steps name them.</summary>
    private static string Bind(Operation operation, IReadOnlyDictionary<string, string> parameters)
    {
        var declared = operation.Definition["parameters"]!.AsArray()
            .Where(p => p!["in"]!.GetValue<string>() == "path").Select(p => p!["name"]!.GetValue<string>()).Order().ToArray();
        Assert.Equal(parameters.Keys.Order().ToArray(), declared);
        return parameters.Aggregate(operation.PathTemplate, (path, p) => path.Replace($"{{{p.Key}}}", Uri.EscapeDataString(p.Value), StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> CallAsync(HttpClient http, Operation operation, string appId, string integId) =>
        await http.SendAsync(new HttpRequestMessage(operation.Method, Bind(operation, new Dictionary<string, string> { ["app_id"] = appId, ["integ_id"] = integId })));

    [Fact]
    public async Task The_seed_workflow_gets_the_integration_rotates_its_key_and_reads_the_rotated_key_back()
    {
        using var admin = await app.ClientAsync();
        var integrationId = ApiTestData.NewId("svix");
        await admin.CreateIntegrationAsync(ApiTestData.SmallIntegration(integrationId, "Svix CRM"));
        var getIntegration = await FindOperationAsync("v1.integration.get");
        var rotateKey = await FindOperationAsync("v1.integration.rotate-key");
        var getKey = await FindOperationAsync("v1.integration.get-key");

        // step 1: getIntegration — $statusCode == 200, output integrationId = $response.body#/id
        var integration = await (await CallAsync(admin, getIntegration, PortalApplication.Tenant, integrationId)).ExpectAsync(HttpStatusCode.OK);
        var stepIntegrationId = integration["id"]!.GetValue<string>();
        Assert.Equal(integrationId, stepIntegrationId);

        // step 2: rotateKey with integ_id from step 1 — 200, output rotatedKey = $response.body#/key
        var rotated = await (await CallAsync(admin, rotateKey, PortalApplication.Tenant, stepIntegrationId)).ExpectAsync(HttpStatusCode.OK);
        var rotatedKey = rotated["key"]!.GetValue<string>();

        // step 3: getKey — 200, the key read back is the rotated one
        var current = await (await CallAsync(admin, getKey, PortalApplication.Tenant, stepIntegrationId)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(rotatedKey, current["key"]!.GetValue<string>());
        Assert.StartsWith("integsk_", rotatedKey, StringComparison.Ordinal);
        Assert.True(Portal.Core.Keys.SecretFormat.IsWellFormed("integsk_", rotatedKey));
    }

    [Fact]
    public async Task The_integration_object_has_id_name_and_RFC_3339_timestamps()
    {
        using var admin = await app.ClientAsync();
        var integrationId = ApiTestData.NewId("svixget");
        await admin.CreateIntegrationAsync(ApiTestData.SmallIntegration(integrationId, "Shown name"));

        var integration = await (await admin.GetAsync($"/api/v1/app/default/integration/{integrationId}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(new[] { "createdAt", "id", "name", "updatedAt" }, integration.Select(p => p.Key).Order().ToArray());
        Assert.Equal("Shown name", integration["name"]!.GetValue<string>());
        foreach (var field in new[] { "createdAt", "updatedAt" })
        {
            var value = integration[field]!.GetValue<string>();
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", value);
            Assert.InRange(DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        }
    }

    [Theory]
    [InlineData("v1.integration.get", "GET", "/api/v1/app/{app_id}/integration/{integ_id}")]
    [InlineData("v1.integration.rotate-key", "POST", "/api/v1/app/{app_id}/integration/{integ_id}/key/rotate")]
    [InlineData("v1.integration.get-key", "GET", "/api/v1/app/{app_id}/integration/{integ_id}/key")]
    public async Task Each_operation_has_the_Svix_method_path_and_path_parameters_app_id_and_integ_id(string operationId, string method, string path)
    {
        var operation = await FindOperationAsync(operationId);

        Assert.Equal(method, operation.Method.Method);
        Assert.Equal(path, operation.PathTemplate);
        Assert.Equal("/api/v1/app/a/integration/b", Bind(operation, new Dictionary<string, string> { ["app_id"] = "a", ["integ_id"] = "b" })[..27]);
    }
}
