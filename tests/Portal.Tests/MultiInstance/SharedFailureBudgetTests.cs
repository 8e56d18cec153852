using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Issue 13: "Shared limits": the guessing budget of <c>POST /connect/token</c> (5 failures per client id by default)
/// holds in total across instances, so a guesser cannot multiply it by spreading attempts over the load balancer.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class SharedFailureBudgetTests(TwoInstances portal) : IClassFixture<TwoInstances>
{
    private static async Task<HttpStatusCode> TokenAsync(PortalApplication instance, string clientId, string secret)
    {
        using var http = instance.CreateClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        return response.StatusCode;
    }

    [Fact]
    public async Task Failed_token_requests_spread_over_two_instances_spend_one_budget_per_client()
    {
        var clientId = ApiTestData.NewId("guessed");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await TokenAsync(i % 2 == 0 ? portal.A : portal.B, clientId, $"wrong-{i}"));
        }

        Assert.All(statuses, s => Assert.NotEqual(HttpStatusCode.TooManyRequests, s));

        // Three failures were counted on A and two on B: one budget of five is spent on both.
        Assert.Equal(HttpStatusCode.TooManyRequests, await TokenAsync(portal.A, clientId, "wrong-5"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await TokenAsync(portal.B, clientId, "wrong-6"));
    }
}
