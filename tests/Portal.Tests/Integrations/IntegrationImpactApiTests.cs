using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Integrations;

/// <summary><c>POST …/integrations/{id}:impact</c>: which configs an update would break, asked before saving; nothing changes.</summary>
public sealed class IntegrationImpactApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Impact(string id, string tenant = PortalApplication.Tenant) => $"/v1/tenants/{tenant}/integrations/{id}:impact";

    /// <summary>Seed 001's full integration and one config using the "key" auth method, the baseUrl parameter and the secret apiToken.</summary>
    private static async Task<(string Id, string Config)> KeyedConfigAsync(HttpClient admin)
    {
        var id = NewId("impact");
        await admin.CreateIntegrationAsync(Integration(id));
        var config = await admin.CreateConfigAsync(id, new JsonObject
        {
            ["displayName"] = "Uses the key",
            ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example", ["apiToken"] = "t-1" },
            ["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject { ["apiKey"] = "k-1" } },
        });
        await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "Uses nothing", ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" } });
        return (id, config["id"]!.GetValue<string>());
    }

    private static JsonObject WithoutKeyMethod(string id)
    {
        var body = Integration(id, clientSecret: null);
        var methods = body["configMetadata"]!["authMetadata"]!.AsArray();
        methods.Remove(methods.Single(m => m!["id"]!.GetValue<string>() == "key"));
        return body;
    }

    [Fact]
    public async Task Removing_an_auth_method_a_config_uses_lists_that_config_and_changes_nothing()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await KeyedConfigAsync(admin);

        var impact = await (await admin.PostAsJsonAsync(Impact(id), WithoutKeyMethod(id))).ExpectAsync(HttpStatusCode.OK);

        var affected = Assert.Single(impact["affected"]!.AsArray())!;
        Assert.Equal(config, affected["id"]!.GetValue<string>());
        Assert.Equal("Uses the key", affected["displayName"]!.GetValue<string>());
        Assert.Equal(["Auth method 'API key (key)' is removed."], affected["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        var stored = await (await admin.GetAsync($"{Base}/integrations/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, stored["configMetadata"]!["authMetadata"]!.AsArray().Count);
    }

    [Fact]
    public async Task Retyping_or_removing_a_used_parameter_is_listed_and_an_unchanged_body_affects_nothing()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await KeyedConfigAsync(admin);
        var unchanged = await (await admin.PostAsJsonAsync(Impact(id), Integration(id, clientSecret: null))).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(unchanged["affected"]!.AsArray());

        var body = Integration(id, clientSecret: null);
        var parameters = body["configMetadata"]!["parametersMetadata"]!.AsArray();
        parameters.Remove(parameters.Single(p => p!["name"]!.GetValue<string>() == "apiToken")); // a secret the config holds
        var keyMethod = body["configMetadata"]!["authMetadata"]![1]!;
        keyMethod["type"] = "BEARER_TOKEN";

        var impact = await (await admin.PostAsJsonAsync(Impact(id), body)).ExpectAsync(HttpStatusCode.OK);

        var changes = Assert.Single(impact["affected"]!.AsArray())!["changes"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Contains("Parameter 'API token (apiToken)' is removed.", changes);
        Assert.Contains("Auth method 'API key (key)' changes type from API key to Bearer token.", changes);
    }

    [Fact]
    public async Task A_viewer_is_refused_with_403()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await KeyedConfigAsync(admin);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        var problem = await (await viewer.PostAsJsonAsync(Impact(id), WithoutKeyMethod(id))).ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("Viewer", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_tenants_integration_is_a_404()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await KeyedConfigAsync(admin);
        using var other = await app.OtherTenantClientAsync("impact-other");

        await (await other.PostAsJsonAsync(Impact(id, "impact-other"), WithoutKeyMethod(id))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync(Impact(id), WithoutKeyMethod(id))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync(Impact("no-such-integration"), SmallIntegration("no-such-integration"))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"displayName\": null}")]
    [InlineData("{\"displayName\": \"x\", \"configMetadata\": {\"parametersMetadata\": [null], \"authMetadata\": [null]}, \"tools\": [null]}")]
    [InlineData("{\"displayName\": \"x\", \"configMetadata\": {\"authMetadata\": [{\"id\": null, \"type\": \"OAUTH2\", \"authSettings\": null, \"parametersMetadata\": null}]}}")]
    [InlineData("{\"displayName\": \"x\", \"configMetadata\": {\"parametersMetadata\": [{\"name\": \"a\", \"type\": \"Strin\"}]}}")]
    [InlineData("{\"displayName\": \"x\", \"id\": \"another-id\"}")]
    [InlineData("{\"displayName\": \"x\"")]
    public async Task Bad_bodies_are_a_400_problem(string body)
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await KeyedConfigAsync(admin);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var problem = await (await admin.PostAsync(Impact(id), content)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), problem.ToJsonString());
    }

    [Fact]
    public async Task Huge_bodies_are_refused_with_a_problem_never_a_5xx()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await KeyedConfigAsync(admin);

        // Under the 1 MiB body limit but far over every field limit: 400 with the fields named.
        var big = Integration(id, clientSecret: null);
        big["displayName"] = new string('n', 600_000);
        big["description"] = new string('d', 300_000);
        await (await admin.PostAsJsonAsync(Impact(id), big)).ExpectValidationAsync("displayName", "description");

        // Thousands of parameters: each one is checked, and the answer is a 400 naming the duplicates, not a timeout or a 500.
        var many = Integration(id, clientSecret: null);
        many["configMetadata"]!["parametersMetadata"] = new JsonArray(Enumerable.Range(0, 5000).Select(_ => (JsonNode)new JsonObject { ["name"] = "same" }).ToArray());
        await (await admin.PostAsJsonAsync(Impact(id), many)).ExpectValidationAsync("configMetadata.parametersMetadata[1].name");

        // Over the API's body limit: refused before it is read (413, as every API route).
        using var tooLarge = new StringContent("{\"displayName\": \"" + new string('x', 2 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(Impact(id), tooLarge);
        Assert.True((int)response.StatusCode is 400 or 413, $"{(int)response.StatusCode}");
    }
}
