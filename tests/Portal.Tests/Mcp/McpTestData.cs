using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>An integration with tools, and the MCP settings calls.</summary>
internal static class McpTestData
{
    public static string Mcp(string integration, string tenant = PortalApplication.Tenant) => $"/v1/tenants/{tenant}/integrations/{integration}/mcp";

    public static JsonObject Tool(string id, string? simulator = null, string method = "GET", string url = "{{baseUrl}}/items/{{id}}") => new()
    {
        ["id"] = id,
        ["displayName"] = $"Tool {id}",
        ["description"] = $"Does {id}",
        ["inputSchema"] = JsonNode.Parse("""{ "type": "object", "properties": { "id": { "type": "string" }, "count": { "type": "integer" } }, "required": ["id"] }"""),
        ["request"] = new JsonObject { ["method"] = method, ["url"] = url, ["headers"] = new JsonObject { ["X-Api-Key"] = "{{apiToken}}" }, ["body"] = null },
        ["simulator"] = simulator is null ? null : new JsonObject { ["response"] = simulator },
    };

    /// <summary>An integration with a baseUrl parameter, a secret apiToken parameter and the tools get_item (simulated) and list_items (generated).</summary>
    public static JsonObject Integration(string id) => new()
    {
        ["id"] = id,
        ["displayName"] = "Tools",
        ["configMetadata"] = JsonNode.Parse("""
        { "parametersMetadata": [
            { "name": "baseUrl", "type": "String", "required": true },
            { "name": "apiToken", "type": "String", "required": false, "secret": true } ],
          "authMetadata": [] }
        """),
        ["tools"] = new JsonArray(
            Tool("get_item", simulator: """{"id":"{{id}}","name":"sample"}"""),
            Tool("list_items", url: "{{baseUrl}}/items?count={{count}}"),
            Tool("hidden_tool")),
    };

    public static async Task<(string Id, string ConfigId)> CreateAsync(HttpClient admin, string baseUrl = "https://crm.example", string tenant = PortalApplication.Tenant)
    {
        var id = ApiTestData.NewId("mcp");
        await admin.CreateIntegrationAsync(Integration(id), tenant);
        var config = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/integrations/{id}/configs", new JsonObject
        {
            ["displayName"] = "Prod",
            ["parameters"] = new JsonObject { ["baseUrl"] = baseUrl, ["apiToken"] = "upstream-secret-token" },
        })).ExpectAsync(HttpStatusCode.Created);
        return (id, config["id"]!.GetValue<string>());
    }

    public static async Task<JsonObject> PatchAsync(this HttpClient http, string integration, object body, HttpStatusCode expected = HttpStatusCode.OK, string tenant = PortalApplication.Tenant) =>
        await (await http.PatchAsJsonAsync(Mcp(integration, tenant), body)).ExpectAsync(expected);

    /// <summary>Enables MCP with get_item and list_items exposed and returns the minted key.</summary>
    public static async Task<string> EnableAsync(this HttpClient http, string integration, string configId, string tenant = PortalApplication.Tenant)
    {
        var settings = await http.PatchAsync(integration, new { enabled = true, configId, exposedToolIds = new[] { "get_item", "list_items" }, description = "CRM tools" }, tenant: tenant);
        return settings["apiKey"]!.GetValue<string>();
    }
}
