using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>A portal whose MCP keys may make 4 requests a minute.</summary>
public sealed class McpRateLimitedPortal : IDisposable
{
    public PortalApplication App { get; } = new() { McpRequestsPerMinute = 4 };

    public void Dispose() => App.Dispose();
}

/// <summary>The per-key budget, shared by mcp:call and mcp:test: 429 with Retry-After, audited; another key is not affected.</summary>
public sealed class McpRateLimitTests(McpRateLimitedPortal portal) : IClassFixture<McpRateLimitedPortal>
{
    private PortalApplication App => portal.App;

    private async Task<HttpResponseMessage> InitializeAsync(string integration, string key, string action)
    {
        using var http = App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, McpClients.Url(integration, action))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [Fact]
    public async Task Over_the_budget_is_a_429_with_retry_after_shared_by_call_and_test_and_audited()
    {
        using var admin = await App.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);
        var (other, otherConfig) = await McpTestData.CreateAsync(admin);
        var otherKey = await admin.EnableAsync(other, otherConfig);

        foreach (var action in new[] { "test", "call", "test", "call" })
        {
            using var ok = await InitializeAsync(id, key, action);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await InitializeAsync(id, key, "test");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        using var limitedCall = await InitializeAsync(id, key, "call");
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedCall.StatusCode);

        using var otherOk = await InitializeAsync(other, otherKey, "call");
        Assert.Equal(HttpStatusCode.OK, otherOk.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, await McpClients.RefusalAsync(App, id, key));

        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?action=mcp.rateLimited&target=integrations/{id}/mcp")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(audit["items"]!.AsArray().Count >= 2);
        Assert.Equal(key[..12], audit["items"]![0]!["keyPrefix"]!.GetValue<string>());
    }
}
