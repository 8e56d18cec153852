using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Issue 13: "PostgreSQL restarted while running: requests fail with 503 ProblemDetails during the outage and recover
/// without a restart". On a cluster of its own, so stopping it does not disturb the other tests.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class OutageTests : IDisposable
{
    private readonly TestPostgres _server = TestPostgres.StartDedicated();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task While_the_database_is_down_calls_are_503_problems_and_readyz_fails_then_both_recover_without_a_restart()
    {
        await using var app = PortalApplication.OnPostgres(TestPostgres.NewDatabaseName(), cluster: _server);
        using var admin = await app.ClientAsync();
        using var probe = app.CreateClient();
        await (await admin.GetAsync($"{ApiTestData.Base}/integrations")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/readyz")).StatusCode);

        _server.Stop();
        using (var down = await admin.GetAsync($"{ApiTestData.Base}/integrations"))
        {
            var problem = await down.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Contains("database", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("5", down.Headers.GetValues("Retry-After").Single());
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await probe.GetAsync("/readyz")).StatusCode);

        _server.StartAgain();
        // The pool's connections died with the server; the next calls open new ones. No restart of the app.
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 20 && statuses.LastOrDefault() != HttpStatusCode.OK; attempt++)
        {
            using var response = await admin.GetAsync($"{ApiTestData.Base}/integrations");
            statuses.Add(response.StatusCode);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"during recovery: {(int)response.StatusCode}");
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, statuses.Last());
        // Ready again once the change listener has reconnected too (it retries with a short back-off).
        var ready = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 100 && ready != HttpStatusCode.OK; attempt++)
        {
            ready = (await probe.GetAsync("/readyz")).StatusCode;
            await Task.Delay(ready == HttpStatusCode.OK ? 0 : 100);
        }

        Assert.Equal(HttpStatusCode.OK, ready);
    }
}
