using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

/// <summary>Seed 000: configs of an integration, drafts, revisions, publish and rollback.</summary>
public sealed partial class ConfigsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
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
}
