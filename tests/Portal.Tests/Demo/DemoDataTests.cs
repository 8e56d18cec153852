using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Demo;

/// <summary>Issue 15 point 8: <c>Portal:Demo:Enabled=true</c> fills the empty bootstrap tenant once, through the Core services.</summary>
public sealed class DemoDataTests
{
    [Fact]
    public async Task A_demo_start_shows_a_working_portal_and_a_restart_adds_nothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string> { ["Portal:Demo:Enabled"] = "true" };
        string first;
        using (var app = new PortalApplication(directory, keepData: true) { Settings = settings })
        {
            using var http = await app.ClientAsync();
            var overview = await (await http.GetAsync($"{ApiTestData.Base}/overview")).ExpectAsync(HttpStatusCode.OK);
            first = overview["counts"]!.ToJsonString();
            Assert.Equal(4, overview["counts"]!["integrations"]!.GetValue<int>());
            Assert.Equal(4, overview["counts"]!["configs"]!.GetValue<int>());
            Assert.Equal(1, overview["counts"]!["liveKeys"]!["webhookKey"]!.GetValue<int>());
            Assert.Equal(1, overview["counts"]!["liveKeys"]!["signingSecret"]!.GetValue<int>());

            // The home page has something to point at: a never-published sandbox and an unpublished change.
            var kinds = overview["attention"]!.AsArray().Select(a => (a!["configName"]!.GetValue<string>(), a["kind"]!.GetValue<string>())).ToList();
            Assert.Contains(("Sandbox", "unpublished_draft"), kinds);
            Assert.Contains(("acme-org", "unpublished_draft"), kinds);

            // Sample events are in Stripe's inbox.
            var configs = await (await http.GetAsync($"{ApiTestData.Base}/integrations/stripe/configs")).ExpectAsync(HttpStatusCode.OK);
            var live = configs["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
            var events = await (await http.GetAsync($"{ApiTestData.Base}/integrations/stripe/configs/{live}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(5, events["total"]!.GetValue<int>());
        }

        using (var again = new PortalApplication(directory, keepData: false) { Settings = settings })
        {
            using var http = await again.ClientAsync();
            var overview = await (await http.GetAsync($"{ApiTestData.Base}/overview")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(first, overview["counts"]!.ToJsonString());
        }
    }
}
