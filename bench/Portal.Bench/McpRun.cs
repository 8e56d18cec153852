using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Bench;

/// <summary>
/// Issue 14: "MCP tools/list p99 &lt; 5 ms over loopback HTTP". One integration with two tools, MCP enabled; one client
/// calls <c>tools/list</c> on the sandbox endpoint (<c>mcp:test</c>, plain JSON-RPC over Streamable HTTP) one call at a time.
/// </summary>
internal static class McpRun
{
    public const double GoalP99Ms = 5;

    public const string ToolsList = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

    public static async Task<LatencySummary> RunAsync(PortalServer portal, string store, int calls)
    {
        var (client, path) = await SetUpAsync(portal, "benchmcp");
        using var _ = client;
        var samples = new List<long>(calls);
        const int warmup = 300;
        for (var i = 0; i < warmup + calls; i++)
        {
            var elapsed = await CallAsync(client, path);
            if (i >= warmup)
            {
                samples.Add(elapsed);
            }
        }

        var latency = LatencySummary.Of(samples);
        Console.WriteLine($"[mcp] {store}: tools/list over loopback HTTP, one call at a time: p50 {latency.P50Ms:F2} ms, p99 {latency.P99Ms:F2} ms ({latency.Count} calls; goal p99 < {GoalP99Ms} ms: {(latency.P99Ms < GoalP99Ms ? "met" : "NOT met")})");
        return latency;
    }

    /// <summary>One <c>tools/list</c> call; its duration in Stopwatch ticks. Throws on anything but a list with the tools.</summary>
    public static async Task<long> CallAsync(HttpClient client, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(path, new StringContent(ToolsList, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetTimestamp() - started;
        if (!response.IsSuccessStatusCode || !text.Contains("list_items", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"tools/list answered {(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}");
        }

        return elapsed;
    }

    /// <summary>An integration with two tools and MCP enabled; a client carrying its key, and the sandbox path.</summary>
    public static async Task<(HttpClient Client, string Path)> SetUpAsync(PortalServer portal, string integration)
    {
        using var admin = await portal.AdminClientAsync();
        var tool = (string id) => new JsonObject
        {
            ["id"] = id,
            ["displayName"] = $"Tool {id}",
            ["description"] = $"Does {id}",
            ["inputSchema"] = JsonNode.Parse("""{ "type": "object", "properties": { "id": { "type": "string" } }, "required": ["id"] }"""),
            ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "{{baseUrl}}/items/{{id}}" },
            ["simulator"] = new JsonObject { ["response"] = """{"id":"{{id}}"}""" },
        };
        using (var created = await admin.PostAsJsonAsync("/v1/tenants/default/integrations", new JsonObject
        {
            ["id"] = integration,
            ["displayName"] = "MCP bench",
            ["configMetadata"] = JsonNode.Parse("""{ "parametersMetadata": [ { "name": "baseUrl", "type": "String", "required": true } ], "authMetadata": [] }"""),
            ["tools"] = new JsonArray(tool("get_item"), tool("list_items")),
        }))
        {
            await PortalServer.EnsureSuccessAsync(created, "create MCP integration");
        }

        string configId;
        using (var created = await admin.PostAsJsonAsync($"/v1/tenants/default/integrations/{integration}/configs", new JsonObject { ["displayName"] = "Prod", ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" } }))
        {
            await PortalServer.EnsureSuccessAsync(created, "create MCP config");
            configId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        string key;
        using (var enabled = await admin.PatchAsJsonAsync($"/v1/tenants/default/integrations/{integration}/mcp", new { enabled = true, configId, exposedToolIds = new[] { "get_item", "list_items" } }))
        {
            await PortalServer.EnsureSuccessAsync(enabled, "enable MCP");
            key = (await enabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        }

        var client = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        client.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        return (client, $"/v1/tenants/default/integrations/{integration}/mcp:test");
    }
}
