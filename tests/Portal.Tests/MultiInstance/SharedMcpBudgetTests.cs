using System.Net;
using System.Text;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;

namespace Portal.Tests.MultiInstance;

/// <summary>Two instances whose MCP keys may make 4 requests a minute.</summary>
public sealed class TwoInstancesWithSmallMcpBudget : TwoInstances
{
    public const int PerMinute = 4;

    protected override Dictionary<string, string> Settings => new() { ["Portal:Mcp:RequestsPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

/// <summary>Issue 13: "the per-key MCP rate limit holds in total across instances".</summary>
[Trait("Category", "MultiInstance")]
public sealed class SharedMcpBudgetTests(TwoInstancesWithSmallMcpBudget portal) : IClassFixture<TwoInstancesWithSmallMcpBudget>
{
    private static async Task<HttpStatusCode> CallAsync(PortalApplication instance, string integration, string key)
    {
        using var http = instance.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, McpClients.Url(integration, "test"))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":"1","method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Requests_spread_over_two_instances_share_one_budget_per_key()
    {
        using var admin = await portal.A.ClientAsync();
        var (integration, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(integration, config);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add(await CallAsync(portal.A, integration, key));
            statuses.Add(await CallAsync(portal.B, integration, key));
        }

        // Six calls within one minute, three on each instance: the first four fit the key's budget, the rest are 429,
        // whichever instance they reach (a budget per instance would have let all six through).
        Assert.Equal(TwoInstancesWithSmallMcpBudget.PerMinute, statuses.Count(s => s != HttpStatusCode.TooManyRequests));
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses.Skip(TwoInstancesWithSmallMcpBudget.PerMinute));
    }
}
