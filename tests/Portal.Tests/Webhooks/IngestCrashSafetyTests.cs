using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Portal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Issue 14, "Must stay true": the real Portal (its built Portal.dll, a process of its own) killed with SIGKILL while
/// deliveries stream in, then restarted on the same store, has every <c>webhook-id</c> it acknowledged with a 202. On
/// SQLite, or on PostgreSQL when <c>PORTAL_TEST_STORE=postgres</c>.
/// </summary>
public sealed class IngestCrashSafetyTests(ITestOutputHelper output)
{
    private const int Senders = 8;

    /// <summary>Acknowledged deliveries to wait for before the kill, besides the second of streaming: so it never proves nothing.</summary>
    private const int AckedBeforeKill = 100;

    [Fact]
    public async Task Every_acknowledged_webhook_id_is_stored_after_a_SIGKILL_during_a_stream_of_deliveries_and_a_restart()
    {
        var dll = PortalDll();
        using var store = new ProcessStore();
        var acked = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        PortalWebhookEndpoint endpoint;

        using (var portal = await PortalProcess.StartAsync(dll, store.ConnectionString, store.DataDirectory))
        {
            endpoint = await portal.CreateWebhookEndpointAsync("crash");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var senders = Enumerable.Range(0, Senders).Select(s => StreamAsync(http, endpoint.Url, $"s{s}_", acked, statuses)).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(1)); // mid-stream: when exactly does not matter
            while (acked.Count < AckedBeforeKill && !senders.Any(s => s.IsCompleted))
            {
                await Task.WhenAny(senders.Append(Task.Delay(50)));
            }

            Assert.False(senders.Any(s => s.IsCompleted), $"a sender stopped before the kill:{Environment.NewLine}{portal.Tail}");
            portal.Kill();
            await Task.WhenAll(senders); // each stops at its first send that finds the portal gone
        }

        using var restarted = await PortalProcess.StartAsync(dll, store.ConnectionString, store.DataDirectory);
        using var admin = await restarted.AdminAsync();
        var stored = await admin.StoredWebhookIdsAsync(endpoint.Integration, endpoint.Config, PortalProcess.Tenant);

        var lost = acked.Except(stored).ToList();
        output.WriteLine($"{store.Name}: {acked.Count} acknowledged (202) before the SIGKILL, {stored.Count} stored after the restart, {lost.Count} acknowledged but missing; " +
            $"answers {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}×{s.Value}"))}");
        Assert.True(acked.Count >= AckedBeforeKill, $"only {acked.Count} deliveries were acknowledged before the kill");
        Assert.Empty(lost);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.All(statuses.Keys, s => Assert.True(s is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"answered {(int)s}"));

        // The restarted portal takes deliveries again on the same URL path.
        using var provider = new HttpClient { BaseAddress = restarted.BaseAddress };
        using var after = await provider.PostAsync(endpoint.Url.PathAndQuery, Json("after_restart"));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task A_queue_capacity_below_one_stops_the_real_portal_at_start_in_one_line()
    {
        var dll = PortalDll();
        using var store = new ProcessStore();

        var failed = await Assert.ThrowsAsync<PortalExitedException>(() =>
            PortalProcess.StartAsync(dll, store.ConnectionString, store.DataDirectory, new Dictionary<string, string> { ["Portal:Ingest:QueueCapacity"] = "0" }));

        Assert.Equal(1, failed.ExitCode);
        Assert.Equal("Portal cannot start: Portal:Ingest:QueueCapacity must be at least 1 (it is 0).", failed.Output);
    }

    /// <summary>One sender: distinct webhook-ids, one after another, until a send finds the portal gone.</summary>
    private static async Task StreamAsync(HttpClient http, Uri url, string prefix, ConcurrentQueue<string> acked, ConcurrentDictionary<HttpStatusCode, int> statuses)
    {
        for (var n = 0; ; n++)
        {
            var id = $"{prefix}{n}";
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Json(id) };
            request.Headers.Add("webhook-id", id);
            try
            {
                using var response = await http.SendAsync(request);
                statuses.AddOrUpdate(response.StatusCode, 1, (_, c) => c + 1);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    acked.Enqueue(id);
                }
            }
            catch (HttpRequestException)
            {
                return; // killed: refused or reset
            }
        }
    }

    private static StringContent Json(string id) => new($$"""{"type":"crash.test","id":"{{id}}"}""", Encoding.UTF8, "application/json");

    internal static string PortalDll() =>
        PortalProcess.FindPortalDll() ?? throw new InvalidOperationException(
            $"Portal.dll was not found at {PortalProcess.PortalDllPath() ?? $"src/Portal/bin/… of a repository above {AppContext.BaseDirectory}"}: " +
            "build the app in the tests' configuration first (dotnet build Portal.sln -c <Configuration>).");

    /// <summary>A store for a portal process and its restarts: a data directory, and on PostgreSQL a database of the test cluster.</summary>
    internal sealed class ProcessStore : IDisposable
    {
        private readonly string? _database = TestPostgres.IsSelected ? TestPostgres.NewDatabaseName() : null;

        public string DataDirectory { get; } = Directory.CreateTempSubdirectory("portal-crash-").FullName;

        public string? ConnectionString => _database is null ? null : TestPostgres.Server.ConnectionString(_database);

        public string Name => _database is null ? "SQLite" : "PostgreSQL";

        public void Dispose()
        {
            if (_database is not null)
            {
                TestPostgres.Server.DropDatabaseAsync(_database).GetAwaiter().GetResult();
            }

            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
