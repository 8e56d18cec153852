using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

public sealed partial class ConfigsApiTests
{
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
    public async Task A_null_auth_map_entry_is_a_400_naming_it_not_a_500()
    {
        // Found by the fuzz figure: "authMap": [null] answered 500.
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var body = ValidConfig();
        body["authMap"] = new JsonArray((JsonNode?)null);
        await (await http.PostAsJsonAsync(Configs(crm), body)).ExpectValidationAsync("authMap[0]");
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
}
