using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>
/// Hostile schemas and documents: a catastrophic pattern is cut off by a timeout (400, not a pinned CPU), and a
/// deeply nested document is refused at write (400 naming the field) instead of being stored and breaking every
/// later read of the tenant's lists.
/// </summary>
public sealed class HostileDocumentTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string EvilPattern = "^(a+)+$";

    /// <summary>An input the evil pattern backtracks on for longer than anyone would wait.</summary>
    private static readonly string EvilInput = new string('a', 5000) + "!";

    private static JsonObject OneParameter(string id, JsonObject parameter) => new()
    {
        ["id"] = id,
        ["displayName"] = "Hostile",
        ["configMetadata"] = new JsonObject { ["parametersMetadata"] = new JsonArray(parameter) },
    };

    /// <summary><c>{"items": {"items": … {"type": "string"} …}}</c>: <paramref name="depth"/> nested objects.</summary>
    private static JsonNode NestedSchema(int depth)
    {
        JsonNode node = new JsonObject { ["type"] = "string" };
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["items"] = node };
        }

        return node;
    }

    /// <summary>The body as text, however deep (the client's own serializer would refuse past 64).</summary>
    private static StringContent Json(JsonNode body) => new(body.ToJsonString(new JsonSerializerOptions { MaxDepth = 256 }), Encoding.UTF8, "application/json");

    private static string NestedArray(int depth) => new string('[', depth) + new string(']', depth);

    [Fact]
    public async Task A_catastrophic_schema_pattern_is_cut_off_and_answered_with_a_400_naming_the_pattern()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("redos");
        await admin.CreateIntegrationAsync(OneParameter(id, new JsonObject
        {
            ["name"] = "code", ["type"] = "String",
            ["jsonSchema"] = new JsonObject { ["type"] = "string", ["pattern"] = EvilPattern },
        }));

        var response = await admin.PostAsJsonAsync($"{Base}/integrations/{id}/configs", new JsonObject { ["displayName"] = "slow", ["parameters"] = new JsonObject { ["code"] = EvilInput } });

        var message = (await response.ExpectValidationAsync("parameters.code")).Errors()["parameters.code"]![0]!.GetValue<string>();
        Assert.Contains(EvilPattern, message, StringComparison.Ordinal);
        Assert.Contains("timeout", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_catastrophic_pattern_in_patternProperties_is_cut_off_too()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("redosprops");
        await admin.CreateIntegrationAsync(OneParameter(id, new JsonObject
        {
            ["name"] = "map", ["type"] = "Json",
            ["jsonSchema"] = new JsonObject { ["type"] = "object", ["patternProperties"] = new JsonObject { [EvilPattern] = new JsonObject { ["type"] = "integer" } } },
        }));

        var response = await admin.PostAsJsonAsync($"{Base}/integrations/{id}/configs", new JsonObject { ["displayName"] = "slow", ["parameters"] = new JsonObject { ["map"] = new JsonObject { [EvilInput] = 1 } } });

        Assert.Contains("timeout", (await response.ExpectValidationAsync("parameters.map")).Errors()["parameters.map"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_catastrophic_regex_rule_says_it_timed_out_instead_of_blaming_the_value()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("redosrule");
        await admin.CreateIntegrationAsync(OneParameter(id, new JsonObject
        {
            ["name"] = "code", ["type"] = "String",
            ["rules"] = new JsonArray(new JsonObject { ["type"] = "regex", ["value"] = EvilPattern }),
        }));

        var response = await admin.PostAsJsonAsync($"{Base}/integrations/{id}/configs", new JsonObject { ["displayName"] = "slow", ["parameters"] = new JsonObject { ["code"] = EvilInput } });

        var message = (await response.ExpectValidationAsync("parameters.code")).Errors()["parameters.code"]![0]!.GetValue<string>();
        Assert.Contains(EvilPattern, message, StringComparison.Ordinal);
        Assert.Contains("timeout", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(60)] // the body is still within the parser's limit: before, it was stored and broke the list
    public async Task A_deeply_nested_jsonSchema_is_refused_naming_the_field_and_the_list_still_reads(int depth)
    {
        using var admin = await app.ClientAsync();
        var id = NewId("deep");

        var response = await admin.PostAsync($"{Base}/integrations", Json(OneParameter(id, new JsonObject { ["name"] = "f", ["type"] = "Json", ["jsonSchema"] = NestedSchema(depth) })));

        var field = "configMetadata.parametersMetadata[0].jsonSchema";
        Assert.Contains("32", (await response.ExpectValidationAsync(field)).Errors()[field]![0]!.GetValue<string>(), StringComparison.Ordinal);
        await ExpectListReadsAsync(admin, $"{Base}/integrations?take=200");
        await (await admin.GetAsync($"{Base}/integrations/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_jsonSchema_64_deep_is_a_400_that_names_the_field_and_the_list_still_reads()
    {
        using var admin = await app.ClientAsync();
        var body = OneParameter(NewId("deep64"), new JsonObject { ["name"] = "f", ["type"] = "Json", ["jsonSchema"] = NestedSchema(64) });

        var response = await admin.PostAsync($"{Base}/integrations", Json(body));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("configMetadata.parametersMetadata[0].jsonSchema", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await ExpectListReadsAsync(admin, $"{Base}/integrations?take=200");
    }

    [Fact]
    public async Task A_deeply_nested_Json_parameter_is_refused_naming_the_parameter_and_the_config_list_still_reads()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("deepparam");
        await admin.CreateIntegrationAsync(OneParameter(id, new JsonObject { ["name"] = "blob", ["type"] = "Json" }));
        await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "fine", ["parameters"] = new JsonObject { ["blob"] = JsonNode.Parse(NestedArray(32)) } });

        foreach (var depth in new[] { 33, 62 })
        {
            var body = $$$"""{"displayName": "deep", "parameters": {"blob": {{{NestedArray(depth)}}} } }""";
            var response = await admin.PostAsync($"{Base}/integrations/{id}/configs", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Contains("32", (await response.ExpectValidationAsync("parameters.blob")).Errors()["parameters.blob"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var list = await ExpectListReadsAsync(admin, $"{Base}/integrations/{id}/configs");
        Assert.Equal(1, list["total"]!.GetValue<int>());
    }

    private static async Task<JsonObject> ExpectListReadsAsync(HttpClient admin, string url)
    {
        var response = await admin.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"the list answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
        return JsonNode.Parse(text)!.AsObject(); // whole, not truncated
    }
}
