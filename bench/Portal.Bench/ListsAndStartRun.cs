using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Portal.Bench;

/// <summary>The figures of <see cref="ListsAndStartRun"/>: list latencies at both sizes and the starts on an existing database.</summary>
internal sealed record ListsAndStartResult(LatencySummary ApiSmall, LatencySummary ApiLarge, LatencySummary PageSmall, LatencySummary PageLarge, IReadOnlyList<double> StartsMs, IReadOnlyList<double> PublishedStartsMs, string Note);

/// <summary>
/// Issue 14's goals for lists and start-up, on the real Portal.dll with SQLite: (1) the first page of the integrations list
/// (API, and the integrations page's HTML) at 10 and at 10,000 integrations, same page size, interleaved request by
/// request so both see the same load; (2) the time from launching the process to the first <c>/healthz</c> 200 on an
/// existing database (the 10,000-integration store, started again).
/// </summary>
internal static partial class ListsAndStartRun
{
    private const string Tenant = "default", ClientId = "bench", ClientSecret = "bench-secret-not-for-production";
    private const string AdminEmail = "admin@localhost", AdminPassword = "Bench-Admin-Password-1!";
    private const int PageSize = 10, Large = 10_000;

    public static async Task<ListsAndStartResult?> RunAsync(BenchOptions options)
    {
        if (PortalServer.FindPortalDll(options.PortalDll) is not { } dll)
        {
            Console.WriteLine("[lists] skipped: Portal.dll not found (build src/Portal, or pass --portal-dll).");
            return null;
        }

        var requests = options.Quick ? 300 : 1_000;
        var starts = options.Quick ? 3 : 5;
        var largeDir = Directory.CreateTempSubdirectory("portal-bench-lists-").FullName;
        var smallDir = Directory.CreateTempSubdirectory("portal-bench-lists-").FullName;
        try
        {
            Console.WriteLine($"[lists] {Large:N0}-integration store: 10 created through the API, the rest copied from them in SQL (the triggers count them)");
            using (var first = await LaunchAsync(dll, largeDir))
            {
                using var api = await ApiClientAsync(first.Url);
                await CreateIntegrationsAsync(api, 10);
            }

            FillTo(Path.Combine(largeDir, "portal.db"), Large);
            // The published build (ReadyToRun, what a deployment runs) first, then the plain build output, alternating so
            // that both see the same background load; the plain build's last start serves the lists below.
            var publishedDll = options.PublishedDll is { } published && File.Exists(published) ? published : null;
            if (publishedDll is null)
            {
                Console.WriteLine("[start] no published build (--published-dll; bench/run.sh makes one with scripts/publish.sh): the plain build's starts only");
            }

            var startsMs = new List<double>();
            var publishedStartsMs = new List<double>();
            Launched? large = null;
            for (var i = 0; i < starts; i++)
            {
                if (publishedDll is not null)
                {
                    large?.Dispose();
                    large = null;
                    using var launched = await LaunchAsync(publishedDll, largeDir);
                    publishedStartsMs.Add(launched.StartMs);
                    Console.WriteLine($"[start] published (ReadyToRun), existing database ({Large:N0} integrations): launch → first /healthz 200 in {launched.StartMs:F0} ms");
                }

                large?.Dispose();
                large = await LaunchAsync(dll, largeDir);
                startsMs.Add(large.StartMs);
                Console.WriteLine($"[start] plain build, existing database ({Large:N0} integrations): launch → first /healthz 200 in {large.StartMs:F0} ms");
            }

            using var big = large!;
            using var small = await LaunchAsync(dll, smallDir);
            using var smallApi = await ApiClientAsync(small.Url);
            await CreateIntegrationsAsync(smallApi, 10);
            using var largeApi = await ApiClientAsync(big.Url);
            using var smallPage = await SignedInAsync(small.Url);
            using var largePage = await SignedInAsync(big.Url);

            var list = $"/v1/tenants/{Tenant}/integrations?take={PageSize}";
            var (apiSmall, apiLarge) = await InterleaveAsync(smallApi, largeApi, list, requests, expectTotal: (10, Large));
            var (pageSmall, pageLarge) = await InterleaveAsync(smallPage, largePage, $"/t/{Tenant}/integrations", requests, expectTotal: null);
            const string note = "The page's HTML is its prerender: the grid fetches its rows over the circuit afterwards, through the same IntegrationService.ListAsync the API row measures.";
            return new ListsAndStartResult(apiSmall, apiLarge, pageSmall, pageLarge, startsMs, publishedStartsMs, note);
        }
        finally
        {
            foreach (var dir in new[] { largeDir, smallDir })
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>The rows for the closing table, each figure next to its goal.</summary>
    public static string Summary(ListsAndStartResult? r)
    {
        if (r is null)
        {
            return "";
        }

        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(inv, $"Lists and start (issue 14), SQLite: first page (take={PageSize}) of the integrations list at 10 vs {Large:N0} integrations, requests interleaved between the two portals; start = launching `dotnet Portal.dll` to the first `/healthz` 200 on an existing database ({Large:N0} integrations):");
        sb.AppendLine();
        sb.AppendLine("| what | 10 | 10,000 | ratio (goal ≤ 1.2×) |");
        sb.AppendLine("|---|---:|---:|---:|");
        Row("`GET /v1/tenants/{tenant}/integrations` p50", r.ApiSmall.P50Ms, r.ApiLarge.P50Ms);
        Row("… p99", r.ApiSmall.P99Ms, r.ApiLarge.P99Ms);
        Row("`GET /t/{tenant}/integrations` (page HTML) p50", r.PageSmall.P50Ms, r.PageLarge.P50Ms);
        Row("… p99", r.PageSmall.P99Ms, r.PageLarge.P99Ms);
        sb.AppendLine();
        foreach (var (what, s, l) in new[] { ("list API", r.ApiSmall, r.ApiLarge), ("integrations page", r.PageSmall, r.PageLarge) })
        {
            var ratio = l.P50Ms / s.P50Ms;
            sb.AppendLine(inv, $"- {(ratio <= 1.2 ? "met" : "NOT met")}: {what} first page at {Large:N0} vs 10 integrations: p50 {ratio:F2}× (goal ≤ 1.2×); p99 {l.P99Ms / s.P99Ms:F2}×.");
        }

        if (r.PublishedStartsMs.Count > 0)
        {
            var published = Median(r.PublishedStartsMs);
            sb.AppendLine(inv, $"- {(published <= 1500 ? "met" : "NOT met")}: start of the published build (`scripts/publish.sh`: ReadyToRun, what a deployment runs) to the first /healthz 200 on an existing database: median {published:F0} ms of {r.PublishedStartsMs.Count} starts (goal ≤ 1.5 s; each: {Each(r.PublishedStartsMs)} ms).");
        }

        var plain = Median(r.StartsMs);
        sb.AppendLine(inv, $"- {(r.PublishedStartsMs.Count > 0 ? "for comparison" : plain <= 1500 ? "met" : "NOT met")}: start of the plain build output (`dotnet build`, IL only: every method JIT-compiled at first call) to the first /healthz 200 on an existing database: median {plain:F0} ms of {r.StartsMs.Count} starts (goal ≤ 1.5 s; each: {Each(r.StartsMs)} ms).");
        sb.AppendLine(inv, $"- Note: {r.Note}");
        return sb.ToString();

        static double Median(IReadOnlyList<double> values) => values.Order().ElementAt((values.Count - 1) / 2);

        string Each(IReadOnlyList<double> values) => string.Join(", ", values.Select(ms => ms.ToString("F0", inv)));

        void Row(string what, double small, double large) =>
            sb.AppendLine(inv, $"| {what} | {small:F2} ms | {large:F2} ms | {large / small:F2}× |");
    }

    private static async Task<(LatencySummary Small, LatencySummary Large)> InterleaveAsync(HttpClient small, HttpClient large, string path, int requests, (int Small, int Large)? expectTotal)
    {
        var samples = (Small: new List<long>(requests), Large: new List<long>(requests));
        for (var i = -requests / 5; i < requests; i++)
        {
            // Alternate which goes first, so neither always follows the other's request.
            foreach (var (client, into, total) in i % 2 == 0
                ? new[] { (small, samples.Small, expectTotal?.Small), (large, samples.Large, expectTotal?.Large) }
                : [(large, samples.Large, expectTotal?.Large), (small, samples.Small, expectTotal?.Small)])
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = Stopwatch.GetTimestamp() - started;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}");
                }

                if (total is { } expected && JsonDocument.Parse(body).RootElement.GetProperty("total").GetInt32() != expected)
                {
                    throw new InvalidOperationException($"GET {path} did not list {expected} integrations");
                }

                if (i >= 0)
                {
                    into.Add(elapsed);
                }
            }
        }

        var (s, l) = (LatencySummary.Of(samples.Small), LatencySummary.Of(samples.Large));
        Console.WriteLine($"[lists] GET {path}: 10 integrations p50 {s.P50Ms:F2} ms p99 {s.P99Ms:F2} ms; {Large:N0} p50 {l.P50Ms:F2} ms p99 {l.P99Ms:F2} ms; ratio p50 {l.P50Ms / s.P50Ms:F2}×");
        return (s, l);
    }

    private static async Task CreateIntegrationsAsync(HttpClient api, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var created = await api.PostAsJsonAsync($"/v1/tenants/{Tenant}/integrations", new
            {
                id = $"int-{i:D4}",
                displayName = $"Integration {i}",
                description = "A CRM integration created by the benchmark, as an admin would.",
                tags = new[] { "crm", $"team-{i % 3}" },
            });
            if (created.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"create integration answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            }
        }
    }

    /// <summary>Copies the API-made integrations to <paramref name="total"/> rows in one statement, with the portal stopped.</summary>
    private static void FillTo(string database, int total)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $more - 1)
            INSERT INTO "Integrations" ("TenantId", "Id", "DisplayName", "Description", "Type", "MetadataJson", "Tags", "SearchText", "IsInternal",
                "WebhookOwnership", "CredentialsProtected", "ToolsJson", "CreatedAt", "ModifiedAt", "Version")
            SELECT t."TenantId", printf('bulk-%05d', n.i), t."DisplayName" || ' copy ' || n.i, t."Description", t."Type", t."MetadataJson", t."Tags",
                t."SearchText" || ' copy ' || n.i, t."IsInternal", t."WebhookOwnership", t."CredentialsProtected", t."ToolsJson", t."CreatedAt", t."ModifiedAt", t."Version"
            FROM n JOIN "Integrations" AS t ON t."TenantId" = 'default' AND t."Id" = printf('int-%04d', n.i % 10);
            """;
        command.Parameters.AddWithValue("$more", total - 10);
        command.ExecuteNonQuery();
    }

    private static async Task<HttpClient> ApiClientAsync(Uri url)
    {
        var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        using var token = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = ClientId, ["client_secret"] = ClientSecret,
        }));
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>A browser-like client signed in with the bootstrap admin through the login form (cookie).</summary>
    private static async Task<HttpClient> SignedInAsync(Uri url)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        var form = await client.GetStringAsync("/account/login");
        var antiforgery = AntiforgeryField().Match(form).Groups[1].Value;
        using var signedIn = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery), ["_handler"] = "login", ["Input.Email"] = AdminEmail, ["Input.Password"] = AdminPassword,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in answered {(int)signedIn.StatusCode}");
        }

        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
