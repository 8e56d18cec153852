using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Integrations;

public sealed partial class IntegrationsApiTests
{
    [Fact]
    public async Task The_full_config_metadata_shape_round_trips()
    {
        using var http = await app.ClientAsync();
        var id = NewId("shape");
        var body = Integration(id, clientSecret: null);
        body["type"] = "SYSTEM";

        var created = await http.CreateIntegrationAsync(body);
        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);

        foreach (var response in new[] { created, fetched })
        {
            Assert.Equal("SYSTEM", response["type"]!.GetValue<string>());
            Assert.True(response["isInternal"]!.GetValue<bool>());
            Assert.Equal(["crm", "sales"], response["tags"]!.AsArray().Select(t => t!.GetValue<string>()));

            // secretParameters is the response-only addition; the rest must be exactly what was sent.
            var metadata = response["configMetadata"]!.DeepClone();
            foreach (var auth in metadata["authMetadata"]!.AsArray())
            {
                auth!["authSettings"]!.AsObject().Remove("secretParameters");
            }

            Assert.True(JsonNode.DeepEquals(body["configMetadata"], metadata), $"configMetadata did not round-trip.\nsent:     {body["configMetadata"]!.ToJsonString()}\nreturned: {metadata.ToJsonString()}");
        }

        // spot checks of the seed's spelling, so a silent rename on both sides would still be caught
        var port = fetched["configMetadata"]!["parametersMetadata"]![1]!;
        Assert.Equal("Integer", port["type"]!.GetValue<string>());
        Assert.Equal(1, port["integerRange"]!["min"]!.GetValue<double>());
        Assert.Equal(65535, port["integerRange"]!["max"]!.GetValue<double>());
        var oauth = fetched["configMetadata"]!["authMetadata"]![0]!;
        Assert.Equal("OAUTH2", oauth["type"]!.GetValue<string>());
        Assert.Equal("HIGH", oauth["sensitivity"]!.GetValue<string>());
        Assert.Equal(["APPLICATION", "USER"], oauth["supportedLevels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal("API_KEY", fetched["configMetadata"]!["authMetadata"]![1]!["type"]!.GetValue<string>());
        Assert.True(fetched["configMetadata"]!["authMetadata"]![1]!["authMap"]!["useMap"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Options_given_as_plain_strings_are_accepted_and_returned_as_values()
    {
        using var http = await app.ClientAsync();
        var body = SmallIntegration(NewId("opts"));
        body["configMetadata"] = JsonNode.Parse("""{ "parametersMetadata": [ { "name": "region", "type": "String", "options": [ "eu", "us" ] } ] }""");
        var created = await http.CreateIntegrationAsync(body);
        var options = created["configMetadata"]!["parametersMetadata"]![0]!["options"]!.AsArray();
        Assert.Equal(["eu", "us"], options.Select(o => o!["value"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_oauth2_method_without_a_token_url_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("no-token-url"));
        OAuthSettings(body).Remove("tokenUrl");
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.authMetadata[0].authSettings.parameters.tokenUrl");
    }

    [Fact]
    public async Task An_invalid_regex_rule_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("bad-regex"));
        body["configMetadata"]!["parametersMetadata"]![0]!["rules"] = JsonNode.Parse("""[ { "type": "regex", "value": "([unclosed" } ]""");
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[0].rules");
    }

    [Fact]
    public async Task An_unknown_rule_type_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("odd-rule"));
        body["configMetadata"]!["parametersMetadata"]![0]!["rules"] = JsonNode.Parse("""[ { "type": "palindrome" } ]""");
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[0].rules");
    }

    [Theory]
    [InlineData("\"just a string\"")]
    [InlineData("[1, 2]")]
    [InlineData("{ \"properties\": 5 }")]
    [InlineData("{ \"required\": \"field\" }")]
    [InlineData("{ \"type\": \"not-a-type\" }")]
    [InlineData("{ \"type\": [ \"object\", 7 ] }")]
    [InlineData("{ \"type\": \"string\", \"pattern\": \"([unclosed\" }")]
    [InlineData("{ \"type\": \"object\", \"properties\": { \"a\": { \"type\": \"strin\" } } }")]
    [InlineData("{ \"type\": \"array\", \"items\": { \"type\": \"string\", \"pattern\": \"*oops\" } }")]
    public async Task An_invalid_json_schema_is_a_400_problem(string schema)
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("bad-schema"));
        body["configMetadata"]!["parametersMetadata"]![5]!["jsonSchema"] = JsonNode.Parse(schema);
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[5].jsonSchema");
    }

    [Fact]
    public async Task A_json_schema_whose_properties_are_named_like_keywords_is_accepted()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("keyword-props"));
        var schema = JsonNode.Parse("""
            { "type": "object",
              "properties": { "type": { "type": "string" }, "pattern": { "type": "string", "pattern": "^[a-z]+$" } },
              "enum": [ { "type": "bogus", "pattern": "([" } ] }
            """);
        body["configMetadata"]!["parametersMetadata"]![5]!["jsonSchema"] = schema;
        var created = await http.CreateIntegrationAsync(body);
        Assert.True(JsonNode.DeepEquals(schema, created["configMetadata"]!["parametersMetadata"]![5]!["jsonSchema"]));
    }

    [Fact]
    public async Task Duplicate_parameter_names_are_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("dup-param"));
        body["configMetadata"]!["parametersMetadata"]![1]!["name"] = "baseUrl";
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[1].name");
    }

    [Fact]
    public async Task A_secret_parameter_with_a_default_value_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("secret-default"));
        body["configMetadata"]!["parametersMetadata"]![4]!["defaultValue"] = "hunter2";
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[4].defaultValue");
    }

    [Fact]
    public async Task A_default_value_outside_its_range_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("bad-default"));
        body["configMetadata"]!["parametersMetadata"]![1]!["defaultValue"] = "70000";
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[1].defaultValue");
    }
}
