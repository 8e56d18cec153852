using System.Net;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Configs;

/// <summary>Found by the fuzz figure: two publishes of one config numbered the same revision and one answered 500.</summary>
public sealed class ConcurrentPublishTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Concurrent_publishes_of_one_config_all_succeed_with_distinct_revision_numbers()
    {
        using var admin = await app.ClientAsync();
        var id = ApiTestData.NewId("pub");
        await admin.CreateIntegrationAsync(ApiTestData.SmallIntegration(id));
        var config = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "Prod" });
        var url = $"{ApiTestData.Base}/integrations/{id}/configs/{config["id"]}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => admin.PostAsync($"{url}:publish", null)));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"publish answered {(int)r.StatusCode}"));
        var revisions = await (await admin.GetAsync($"{url}/revisions?take=100")).ExpectAsync(HttpStatusCode.OK);
        var numbers = revisions["items"]!.AsArray().Select(r => r!["number"]!.GetValue<int>()).OrderBy(n => n).ToList();
        Assert.Equal(Enumerable.Range(1, 12), numbers);
    }
}
