using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Portal.Core.Keys;

namespace Portal.Bench;

/// <summary>
/// The real Portal, launched from its built <c>Portal.dll</c> on a loopback port with a fresh SQLite data directory (or,
/// given a connection string, a fresh PostgreSQL database) and a bootstrap API client; then, through the public API, an
/// integration, a config and its webhook URL.
/// </summary>
public sealed class PortalServer : IDisposable
{
    private const string ClientId = "bench";
    private const string ClientSecret = "bench-secret-not-for-production";
    private const string Tenant = "default";

    private readonly ChildProcess _process;
    private readonly string _dataDirectory;

    private PortalServer(ChildProcess process, string dataDirectory, Uri baseAddress, string? postgres)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        _postgres = postgres;
    }

    private readonly string? _postgres;

    /// <summary>Rows in the store's WebhookEvents table (read directly, after the load).</summary>
    public async Task<long> CountStoredEventsAsync()
    {
        const string sql = "SELECT COUNT(*) FROM \"WebhookEvents\"";
        if (_postgres is not null)
        {
            await using var pg = new Npgsql.NpgsqlConnection(_postgres);
            await pg.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, pg);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "portal.db")};Mode=ReadOnly;Pooling=False");
        await sqlite.OpenAsync();
        await using var count = sqlite.CreateCommand();
        count.CommandText = sql;
        return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Uri BaseAddress { get; }

    public static string? FindPortalDll(string? configured)
    {
        if (configured is not null)
        {
            return File.Exists(configured) ? configured : null;
        }

        // Prefer the same configuration as this program (Release under bench/run.sh).
        var root = BenchOptions.RepoRoot();
        if (root is null)
        {
            return null;
        }

#if DEBUG
        string[] order = ["Debug", "Release"];
#else
        string[] order = ["Release", "Debug"];
#endif
        return order.Select(c => Path.Combine(root, "src", "Portal", "bin", c, "net10.0", "Portal.dll")).FirstOrDefault(File.Exists);
    }

    /// <param name="postgresConnectionString">Null: the default SQLite store; otherwise a PostgreSQL database (created and migrated by the Portal at start).</param>
    public static async Task<PortalServer> StartAsync(string portalDll, string? postgresConnectionString = null)
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var data = Directory.CreateTempSubdirectory("portal-bench-data-").FullName;
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Portal__DataDirectory"] = data,
            ["Portal__PublicBaseUrl"] = baseAddress.ToString().TrimEnd('/'),
            ["Portal__Bootstrap__Tenant"] = Tenant,
            ["Portal__Bootstrap__AdminPassword"] = "Bench-Admin-Password-1!",
            ["Portal__Bootstrap__ApiClientId"] = ClientId,
            ["Portal__Bootstrap__ApiClientSecret"] = ClientSecret,
            ["AzureAd__ClientId"] = "",
            ["Portal__Mcp__RequestsPerMinute"] = "100000000", // the MCP part measures latency, not the budget
            ["Portal__Metrics__Prometheus"] = "true", // the mixed load reads the JIT's progress there (JitCompiledMethodsAsync)
        };
        if (postgresConnectionString is not null)
        {
            env["Database__Provider"] = "Postgres";
            env["ConnectionStrings__Portal"] = postgresConnectionString;
        }

        var process = ChildProcess.Start("dotnet", [portalDll, "--urls", baseAddress.ToString().TrimEnd('/')], Path.GetDirectoryName(portalDll)!, env);
        var server = new PortalServer(process, data, baseAddress, postgresConnectionString);
        try
        {
            await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Creates an integration and a config, then asks for the config's webhook URL. Null (with the reason) when this
    /// build of the Portal has no <c>:generateWebhookUrl</c> or no receiver yet.
    /// </summary>
    public async Task<(Uri? WebhookUrl, string Reason)> CreateWebhookUrlAsync()
    {
        using var client = await AdminClientAsync();
        var integration = "bench";
        using (var created = await client.PostAsJsonAsync($"/v1/tenants/{Tenant}/integrations", new { id = integration, displayName = "Benchmark" }))
        {
            await EnsureAsync(created, "create integration");
        }

        string configId;
        using (var created = await client.PostAsJsonAsync($"/v1/tenants/{Tenant}/integrations/{integration}/configs", new { displayName = "Benchmark" }))
        {
            await EnsureAsync(created, "create config");
            configId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        using var generated = await client.PostAsync($"/v1/tenants/{Tenant}/integrations/{integration}/configs/{configId}:generateWebhookUrl", content: null);
        if (generated.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return (null, $":generateWebhookUrl answered {(int)generated.StatusCode}: receiver not available on this build");
        }

        await EnsureAsync(generated, "generate webhook URL");
        var body = await generated.Content.ReadFromJsonAsync<JsonElement>();
        var url = new Uri(body.GetProperty("webhookUrl").GetString()!);
        var prefix = body.TryGetProperty("webhookKeyPrefix", out var p) ? p.GetString() : "?";
        if (!url.AbsolutePath.Contains(KeyPrefixes.WebhookKey, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The webhook URL does not carry a {KeyPrefixes.WebhookKey} key.");
        }

        // One delivery first: the receiver must exist and accept it.
        using var probe = await client.PostAsync(url, new StringContent("""{"type":"bench.probe"}""", System.Text.Encoding.UTF8, "application/json"));
        if (probe.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return (null, $"POST /webhooks/… answered {(int)probe.StatusCode}: receiver not available on this build");
        }

        if (probe.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"The first delivery answered {(int)probe.StatusCode}, not 202: {await probe.Content.ReadAsStringAsync()}");
        }

        Console.WriteLine($"[ingest] Portal webhook URL ready (key {prefix}…; the key itself is not printed)");
        return (url, "");
    }

    /// <summary>CPU time the Portal process has used so far.</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    /// <summary>The ingest writer's batches so far, from <c>/metrics</c> (<c>portal_ingest_batch_size</c> count and sum); null when not exported.</summary>
    public async Task<(long Batches, long Events)?> IngestBatchesAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/metrics");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        double? count = null, sum = null;
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not { Length: >= 2 } parts
                || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            if (line.StartsWith("portal_ingest_batch_size_count", StringComparison.Ordinal))
            {
                count = value;
            }
            else if (line.StartsWith("portal_ingest_batch_size_sum", StringComparison.Ordinal))
            {
                sum = value;
            }
        }

        return count is { } c && sum is { } s ? ((long)c, (long)s) : null;
    }

    /// <summary>
    /// How many methods the Portal's JIT has compiled so far (tier-ups included): the runtime meter's
    /// <c>dotnet.jit.compiled_methods</c>, read from <c>/metrics</c>. Null when this build does not expose it.
    /// </summary>
    public async Task<long?> JitCompiledMethodsAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/metrics");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        long? total = null;
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            // Prometheus text format: name{labels} value [timestamp]
            if (line.StartsWith("dotnet_jit_compiled_methods", StringComparison.Ordinal)
                && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: >= 2 } parts
                && double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                total = (total ?? 0) + (long)value;
            }
        }

        return total;
    }

    /// <summary>An HttpClient signed in as the bootstrap API client (Admin).</summary>
    public async Task<HttpClient> AdminClientAsync()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var tokenResponse = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        }));
        await EnsureAsync(tokenResponse, "token");
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, string what) => await EnsureAsync(response, what);

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The Portal exited at start-up:{Environment.NewLine}{_process.Tail}");
            }

            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The Portal did not answer /healthz within {timeout.TotalSeconds} s:{Environment.NewLine}{_process.Tail}");
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
