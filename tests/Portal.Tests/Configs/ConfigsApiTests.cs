using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

/// <summary>Seed 000: configs of an integration, drafts, revisions, publish and rollback.</summary>
public sealed class ConfigsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Configs(string integration) => $"{Base}/integrations/{integration}/configs";

    /// <summary>Creates the CRM integration (see <see cref="ApiTestData.Integration"/>) and returns its id.</summary>
    private static async Task<string> CrmAsync(HttpClient http)
    {
        var id = NewId("crm");
        await http.CreateIntegrationAsync(Integration(id));
        return id;
    }

    private static JsonObject ValidConfig(JsonObject? parameters = null) => new()
    {
        ["displayName"] = "Prod",
        ["description"] = "Production tenant",
        ["parameters"] = parameters ?? new JsonObject { ["baseUrl"] = "https://crm.example" },
    };

    private static JsonObject WithParameter(string name, JsonNode? value)
    {
        var parameters = new JsonObject { ["baseUrl"] = "https://crm.example", [name] = value };
        return ValidConfig(parameters);
    }

    [Fact]
    public async Task Creating_a_config_is_a_201_with_a_guid_id_and_the_draft()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig(new JsonObject
        {
            ["baseUrl"] = "https://crm.example",
            ["port"] = 8443,
            ["ratio"] = 2.0,
            ["region"] = "us",
            ["filter"] = new JsonObject { ["field"] = "email" },
        });

        using var response = await http.PostAsJsonAsync(Configs(crm), body);
        var config = await response.ExpectAsync(HttpStatusCode.Created);

        Assert.True(Guid.TryParse(config["id"]!.GetValue<string>(), out var configId), $"config id is not a GUID: {config["id"]}");
        Assert.NotEqual(Guid.Empty, configId);
        Assert.Equal($"{Configs(crm)}/{configId}", response.Headers.Location?.OriginalString);
        Assert.Equal(crm, config["integrationId"]!.GetValue<string>());
        Assert.Equal("Prod", config["displayName"]!.GetValue<string>());
        Assert.Equal("Production tenant", config["description"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(body["parameters"], config["parameters"]), $"parameters differ: {config["parameters"]}");
        Assert.Equal("NOT_CONNECTED", config["authStatus"]!.GetValue<string>());
        Assert.Null(config["publishedRevisionId"]);
        Assert.True(config["createdAt"]!.GetValue<long>() > 1_700_000_000_000L);

        var fetched = await (await http.GetAsync($"{Configs(crm)}/{configId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(config, fetched), $"GET differs from create:\n{config}\n{fetched}");

        var list = await (await http.GetAsync(Configs(crm))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, list["total"]!.GetValue<int>());
        Assert.Equal(configId.ToString(), list["items"]![0]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_required_parameter_is_a_400_problem_naming_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), ValidConfig(new JsonObject()))).ExpectValidationAsync("parameters.baseUrl");
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("baseUrl", ""))).ExpectValidationAsync("parameters.baseUrl");
        var list = await (await http.GetAsync(Configs(crm))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_missing_display_name_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body.Remove("displayName");
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("displayName");
    }

    [Fact]
    public async Task A_string_for_an_integer_parameter_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("port", "8443"))).ExpectValidationAsync("parameters.port");
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("port", 84.5))).ExpectValidationAsync("parameters.port");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public async Task An_integer_outside_its_range_is_a_400_problem(int port)
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("port", port))).ExpectValidationAsync("parameters.port");
    }

    [Fact]
    public async Task A_float_outside_its_range_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("ratio", 3.5))).ExpectValidationAsync("parameters.ratio");
    }

    [Fact]
    public async Task A_value_not_among_the_options_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("region", "apac"))).ExpectValidationAsync("parameters.region");
    }

    [Fact]
    public async Task A_value_failing_a_regex_rule_is_a_400_problem_with_the_rule_message()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var problem = await (await http.PostAsJsonAsync(Configs(crm), WithParameter("baseUrl", "http://plain.example"))).ExpectValidationAsync("parameters.baseUrl");
        Assert.Contains("Base URL must start with https://", problem.Errors()["parameters.baseUrl"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    [Fact]
    public async Task A_json_value_violating_its_schema_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("filter", new JsonObject { ["other"] = 1 }))).ExpectValidationAsync("parameters.filter");
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("filter", new JsonObject { ["field"] = 7 }))).ExpectValidationAsync("parameters.filter");
    }

    [Fact]
    public async Task An_unknown_parameter_is_a_400_problem_naming_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.PostAsJsonAsync(Configs(crm), WithParameter("nope", "x"))).ExpectValidationAsync("parameters.nope");
    }

    [Fact]
    public async Task Every_invalid_parameter_is_reported_at_once()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig(new JsonObject { ["port"] = "x", ["region"] = "apac" });
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("parameters.baseUrl", "parameters.port", "parameters.region");
    }

    [Fact]
    public async Task A_secret_parameter_is_never_returned_and_is_reported_as_set()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        const string token = "cfg-secret-token-5c0ffee";
        using var response = await http.PostAsJsonAsync(Configs(crm), WithParameter("apiToken", token));
        var text = await response.Content.ReadAsStringAsync();
        var config = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.False(config["parameters"]!.AsObject().ContainsKey("apiToken"));
        Assert.True(config["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());

        using var get = await http.GetAsync($"{Configs(crm)}/{config["id"]}");
        var getText = await get.Content.ReadAsStringAsync();
        var fetched = await get.ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(token, getText, StringComparison.Ordinal);
        Assert.True(fetched["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_secret_parameter_not_given_is_reported_as_not_set()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        Assert.False(config["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Patch_without_the_secret_keeps_it_and_null_clears_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("apiToken", "cfg-keep-token"));
        var url = $"{Configs(crm)}/{config["id"]}";

        var kept = await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["port"] = 9000 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(kept["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.Equal(9000, kept["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("https://crm.example", kept["parameters"]!["baseUrl"]!.GetValue<string>());

        var renamed = await (await http.PatchAsJsonAsync(url, new { displayName = "Renamed" })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(renamed["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.Equal("Renamed", renamed["displayName"]!.GetValue<string>());

        var cleared = await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["apiToken"] = null } })).ExpectAsync(HttpStatusCode.OK);
        Assert.False(cleared["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());

        var fetched = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(fetched["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.Equal(9000, fetched["parameters"]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patch_with_an_invalid_value_is_a_400_problem_and_leaves_the_draft_alone()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("port", 8443));
        var url = $"{Configs(crm)}/{config["id"]}";

        await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["port"] = 70000 } })).ExpectValidationAsync("parameters.port");
        await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["baseUrl"] = null } })).ExpectValidationAsync("parameters.baseUrl");

        var fetched = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(8443, fetched["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("https://crm.example", fetched["parameters"]!["baseUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task Auth_with_an_unknown_auth_method_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body["auth"] = new JsonObject { ["authMetadataId"] = "nope", ["parameters"] = new JsonObject() };
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("auth.authMetadataId");
    }

    [Fact]
    public async Task Auth_missing_a_required_auth_parameter_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject() };
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("auth.parameters.apiKey");
    }

    [Fact]
    public async Task Auth_secret_parameters_are_stripped_and_reported_as_set()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        const string apiKey = "cfg-auth-api-key-77aa";
        var body = ValidConfig();
        body["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject { ["apiKey"] = apiKey } };

        using var response = await http.PostAsJsonAsync(Configs(crm), body);
        var text = await response.Content.ReadAsStringAsync();
        var config = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.DoesNotContain(apiKey, text, StringComparison.Ordinal);
        Assert.Equal("key", config["auth"]!["authMetadataId"]!.GetValue<string>());
        Assert.False(config["auth"]!["parameters"]!.AsObject().ContainsKey("apiKey"));
        Assert.True(config["auth"]!["secretParameters"]!["apiKey"]!["set"]!.GetValue<bool>());

        // a PATCH that does not touch auth keeps the key
        var url = $"{Configs(crm)}/{config["id"]}";
        var patched = await (await http.PatchAsJsonAsync(url, new { description = "still keyed" })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(patched["auth"]!["secretParameters"]!["apiKey"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_auth_map_keeps_one_auth_per_key_without_its_secrets()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body["authMap"] = JsonNode.Parse("""
            [ { "key": "eu", "auth": { "authMetadataId": "key", "parameters": { "apiKey": "map-key-eu-1111" } } },
              { "key": "us", "auth": { "authMetadataId": "key", "parameters": { "apiKey": "map-key-us-2222" } } } ]
            """);

        using var response = await http.PostAsJsonAsync(Configs(crm), body);
        var text = await response.Content.ReadAsStringAsync();
        var config = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.DoesNotContain("map-key-eu-1111", text, StringComparison.Ordinal);
        Assert.DoesNotContain("map-key-us-2222", text, StringComparison.Ordinal);
        Assert.Null(config["auth"]);
        var map = config["authMap"]!.AsArray();
        Assert.Equal(["eu", "us"], map.Select(e => e!["key"]!.GetValue<string>()));
        Assert.All(map, e =>
        {
            Assert.Equal("key", e!["auth"]!["authMetadataId"]!.GetValue<string>());
            Assert.True(e["auth"]!["secretParameters"]!["apiKey"]!["set"]!.GetValue<bool>());
        });
    }

    [Fact]
    public async Task An_auth_map_with_a_repeated_key_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body["authMap"] = JsonNode.Parse("""
            [ { "key": "eu", "auth": { "authMetadataId": "key", "parameters": { "apiKey": "a" } } },
              { "key": "eu", "auth": { "authMetadataId": "key", "parameters": { "apiKey": "b" } } } ]
            """);
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("authMap[1].key");
    }

    [Fact]
    public async Task Both_auth_and_auth_map_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body["auth"] = new JsonObject { ["authMetadataId"] = "oauth", ["parameters"] = new JsonObject() };
        body["authMap"] = JsonNode.Parse("""[ { "key": "eu", "auth": { "authMetadataId": "key", "parameters": { "apiKey": "k" } } } ]""");
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("authMap");

        // also when the second one arrives by PATCH
        var withAuth = ValidConfig();
        withAuth["auth"] = new JsonObject { ["authMetadataId"] = "oauth", ["parameters"] = new JsonObject() };
        var config = await http.CreateConfigAsync(crm, withAuth);
        var patch = new JsonObject { ["authMap"] = JsonNode.Parse("""[ { "key": "eu", "auth": { "authMetadataId": "key", "parameters": { "apiKey": "k" } } } ]""") };
        await (await http.PatchAsJsonAsync($"{Configs(crm)}/{config["id"]}", patch)).ExpectValidationAsync("authMap");
    }

    [Fact]
    public async Task A_new_config_is_a_draft_with_no_published_revision()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var url = $"{Configs(crm)}/{config["id"]}";

        var fetched = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(fetched.ContainsKey("publishedRevisionId"), "publishedRevisionId missing from the draft");
        Assert.Null(fetched["publishedRevisionId"]);
        var revisions = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, revisions["total"]!.GetValue<int>());
        Assert.Empty(revisions["items"]!.AsArray());
    }

    [Fact]
    public async Task Publishing_snapshots_the_draft_as_an_immutable_revision()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("port", 8443));
        var url = $"{Configs(crm)}/{config["id"]}";

        var published = await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var revisionId = published["publishedRevisionId"]!.GetValue<string>();
        Assert.True(Guid.TryParse(revisionId, out _));

        var draft = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(revisionId, draft["publishedRevisionId"]!.GetValue<string>());

        var revisions = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, revisions["total"]!.GetValue<int>());
        var listed = revisions["items"]![0]!;
        Assert.Equal(revisionId, listed["id"]!.GetValue<string>());
        Assert.True(listed["published"]!.GetValue<bool>());

        var revision = await (await http.GetAsync($"{url}/revisions/{revisionId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(revisionId, revision["id"]!.GetValue<string>());
        Assert.Equal(config["id"]!.GetValue<string>(), revision["configId"]!.GetValue<string>());
        Assert.True(revision["published"]!.GetValue<bool>());
        Assert.Equal("Prod", revision["displayName"]!.GetValue<string>());
        Assert.Equal(8443, revision["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("client:test-admin", revision["createdBy"]!.GetValue<string>());

        // the draft moves on; the revision does not
        var changed = await (await http.PatchAsJsonAsync(url, new JsonObject { ["displayName"] = "Prod v2", ["parameters"] = new JsonObject { ["port"] = 9443 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(9443, changed["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal(revisionId, changed["publishedRevisionId"]!.GetValue<string>());

        var again = await (await http.GetAsync($"{url}/revisions/{revisionId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(revision, again), $"the revision changed after a PATCH of the draft:\n{revision}\n{again}");
    }

    [Fact]
    public async Task Rollback_publishes_an_earlier_revision_and_resets_the_draft_to_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("port", 1111));
        var url = $"{Configs(crm)}/{config["id"]}";

        var first = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        await (await http.PatchAsJsonAsync(url, new JsonObject { ["displayName"] = "Second", ["parameters"] = new JsonObject { ["port"] = 2222 } })).ExpectAsync(HttpStatusCode.OK);
        var second = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        Assert.NotEqual(first, second);

        var revisions = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, revisions["total"]!.GetValue<int>());
        Assert.Equal([second, first], revisions["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal([true, false], revisions["items"]!.AsArray().Select(r => r!["published"]!.GetValue<bool>()));

        var rolledBack = await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = first })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first, rolledBack["publishedRevisionId"]!.GetValue<string>());
        Assert.Equal(1111, rolledBack["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("Prod", rolledBack["displayName"]!.GetValue<string>());

        var draft = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first, draft["publishedRevisionId"]!.GetValue<string>());
        Assert.Equal(1111, draft["parameters"]!["port"]!.GetValue<int>());

        var after = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([false, true], after["items"]!.AsArray().Select(r => r!["published"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Rollback_to_an_unknown_revision_is_a_400_problem_and_changes_nothing()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var url = $"{Configs(crm)}/{config["id"]}";
        var published = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();

        await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = Guid.NewGuid() })).ExpectValidationAsync("revisionId");

        var draft = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(published, draft["publishedRevisionId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revision_of_another_config_cannot_be_rolled_back_to_or_read()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var one = await http.CreateConfigAsync(crm, ValidConfig());
        var two = await http.CreateConfigAsync(crm, ValidConfig());
        var oneUrl = $"{Configs(crm)}/{one["id"]}";
        var twoUrl = $"{Configs(crm)}/{two["id"]}";
        var revisionOfOne = (await (await http.PostAsync($"{oneUrl}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();

        await (await http.PostAsJsonAsync($"{twoUrl}:rollback", new { revisionId = revisionOfOne })).ExpectValidationAsync("revisionId");
        await (await http.GetAsync($"{twoUrl}/revisions/{revisionOfOne}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_config_addressed_under_another_integration_is_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var other = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var wrong = $"{Configs(other)}/{config["id"]}";

        await (await http.GetAsync(wrong)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PatchAsJsonAsync(wrong, new { displayName = "hijack" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PostAsync($"{wrong}:publish", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.GetAsync($"{wrong}/revisions")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.DeleteAsync(wrong)).ExpectProblemAsync(HttpStatusCode.NotFound);

        var list = await (await http.GetAsync(Configs(other))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list["total"]!.GetValue<int>());
        var kept = await (await http.GetAsync($"{Configs(crm)}/{config["id"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Prod", kept["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Configs_of_an_unknown_integration_are_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var missing = NewId("missing");
        await (await http.GetAsync(Configs(missing))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PostAsJsonAsync(Configs(missing), ValidConfig())).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unknown_config_is_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.GetAsync($"{Configs(crm)}/{Guid.NewGuid()}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_config_is_a_204_and_then_it_is_gone()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var url = $"{Configs(crm)}/{config["id"]}";
        await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK);

        using var deleted = await http.DeleteAsync(url);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await http.GetAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.GetAsync($"{url}/revisions")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_an_integration_takes_its_configs_with_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        using var deleted = await http.DeleteAsync($"{Base}/integrations/{crm}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // same id again: the old config must not reappear under the new integration
        await http.CreateIntegrationAsync(Integration(crm));
        await (await http.GetAsync($"{Configs(crm)}/{config["id"]}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
