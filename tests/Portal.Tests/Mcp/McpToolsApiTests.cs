using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>Tools on an integration: round trip through the integration API and their validation.</summary>
public sealed class McpToolsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Tools_round_trip_and_patch_without_tools_keeps_them()
    {
        using var admin = await app.ClientAsync();
        var id = ApiTestData.NewId("tools");
        var body = McpTestData.Integration(id);

        var created = await admin.CreateIntegrationAsync(body);
        Assert.True(JsonNode.DeepEquals(body["tools"], created["tools"]), created["tools"]!.ToJsonString());

        var patched = await (await admin.PatchAsJsonAsync($"{ApiTestData.Base}/integrations/{id}", new { description = "changed" })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(body["tools"], patched["tools"]));

        var replaced = await (await admin.PatchAsJsonAsync($"{ApiTestData.Base}/integrations/{id}", new JsonObject { ["tools"] = new JsonArray(McpTestData.Tool("only")) })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("only", Assert.Single(replaced["tools"]!.AsArray())!["id"]!.GetValue<string>());
        var read = await (await admin.GetAsync($"{ApiTestData.Base}/integrations/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(replaced["tools"], read["tools"]));
    }

    [Fact]
    public async Task Invalid_tools_are_field_errors()
    {
        using var admin = await app.ClientAsync();
        var id = ApiTestData.NewId("badtools");
        var notObject = McpTestData.Tool("b");
        notObject["inputSchema"] = JsonNode.Parse("""{ "type": "string" }""");
        var noRequest = McpTestData.Tool("c");
        noRequest["request"] = new JsonObject { ["method"] = null, ["url"] = "" };
        var body = McpTestData.Integration(id);
        body["tools"] = new JsonArray(McpTestData.Tool("a"), McpTestData.Tool("a"), notObject, noRequest, McpTestData.Tool("bad id!"));

        await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/integrations", body)).ExpectValidationAsync(
            "tools[1].id", "tools[2].inputSchema", "tools[3].request.method", "tools[3].request.url", "tools[4].id");
    }
}
