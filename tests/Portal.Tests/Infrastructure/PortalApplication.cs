using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The real app on its own store, with a bootstrap Admin API client. One per test class. The store is a SQLite file, or,
/// when <see cref="TestPostgres.IsSelected"/> (<c>PORTAL_TEST_STORE=postgres</c>) or asked for, its own database on the
/// throwaway PostgreSQL cluster of this test process.
/// </summary>
public sealed class PortalApplication : WebApplicationFactory<Program>
{
    public const string Tenant = "default";
    public const string AdminClientId = "test-admin";
    public const string AdminClientSecret = "pcs_test-admin-secret-for-the-suite-only";
    public const string AdminEmail = "admin@localhost";
    public const string AdminPassword = "Test-Admin-Passw0rd!";

    private readonly string _dataDirectory;
    private readonly bool _keepData;

    public PortalApplication()
        : this(Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N")), keepData: false)
    {
    }

    /// <summary>An app on a given data directory, e.g. to restart "the same" portal; the directory is kept when <paramref name="keepData"/>.</summary>
    internal PortalApplication(string dataDirectory, bool keepData, bool? postgres = null)
    {
        _dataDirectory = dataDirectory;
        _keepData = keepData;
        Postgres = postgres ?? TestPostgres.IsSelected;
        // "The same portal" on PostgreSQL is the same database: named after the data directory.
        _database = Postgres ? "t_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..32] : null;
    }

    /// <summary>An app on PostgreSQL database <paramref name="database"/> of this process's cluster; several apps on one database are several instances of one portal.</summary>
    public static PortalApplication OnPostgres(string database, Dictionary<string, string>? settings = null, TestPostgres? cluster = null, Action<IServiceCollection>? testServices = null) =>
        new(Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N")), keepData: false, postgres: true)
        {
            SharedDatabase = database, Settings = settings ?? [], Cluster = cluster, TestServices = testServices,
        };

    /// <summary>The PostgreSQL cluster of this app: the process's shared one unless a test brought its own.</summary>
    private TestPostgres? Cluster { get; init; }

    private TestPostgres PostgresServer => Cluster ?? TestPostgres.Server;

    /// <summary>Whether this app's store is PostgreSQL.</summary>
    public bool Postgres { get; }

    /// <summary>The PostgreSQL database of this app (null on SQLite).</summary>
    public string? Database => SharedDatabase ?? _database;

    private readonly string? _database;

    /// <summary>A database other apps use too (a multi-instance test): never dropped by this app.</summary>
    private string? SharedDatabase { get; init; }

    /// <summary>Whether outbound calls may reach loopback and private addresses; true for the suite, false to test the refusal.</summary>
    public bool AllowPrivateNetworks { get; init; } = true;

    /// <summary>Portal:Mcp:RequestsPerMinute, when a test needs a small budget.</summary>
    public int? McpRequestsPerMinute { get; init; }

    /// <summary>More configuration for this app, e.g. small <c>Portal:Security:…</c> budgets for a throttling test.</summary>
    public Dictionary<string, string> Settings { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Service replacements for this app (applied after the app's own registrations), e.g. to observe a component.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>This app's data directory (on SQLite, its <c>portal.db</c>).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>Everything the app logged, to prove no secret reaches a log line.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Portal:DataDirectory", _dataDirectory);
        if (Postgres)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:Portal", PostgresServer.ConnectionString(Database!));
        }
        else
        {
            builder.UseSetting("ConnectionStrings:Portal", "");
        }

        builder.UseSetting("Portal:Bootstrap:Tenant", Tenant);
        builder.UseSetting("Portal:Bootstrap:AdminEmail", AdminEmail);
        builder.UseSetting("Portal:Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Portal:Bootstrap:ApiClientId", AdminClientId);
        builder.UseSetting("Portal:Bootstrap:ApiClientSecret", AdminClientSecret);
        // Test integrations (upstreams, OAuth servers) listen on 127.0.0.1; production refuses private addresses.
        builder.UseSetting("Portal:Outbound:AllowPrivateNetworks", AllowPrivateNetworks ? "true" : "false");
        if (McpRequestsPerMinute is { } perMinute)
        {
            builder.UseSetting("Portal:Mcp:RequestsPerMinute", perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
        }
    }

    /// <summary>An HttpClient carrying a bearer token of the given API client.</summary>
    public async Task<HttpClient> ClientAsync(string clientId = AdminClientId, string clientSecret = AdminClientSecret)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(clientId, clientSecret));
        return http;
    }

    public async Task<string> TokenAsync(string clientId, string clientSecret)
    {
        using var http = CreateClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, $"token request failed: {(int)response.StatusCode} {body}");
        return body!["access_token"]!.GetValue<string>();
    }

    /// <summary>Creates an API client in the bootstrap tenant with the given role and returns an HttpClient for it.</summary>
    public async Task<HttpClient> ClientWithRoleAsync(string role)
    {
        using var admin = await ClientAsync();
        using var created = await admin.PostAsJsonAsync($"/v1/tenants/{Tenant}/api-clients", new { displayName = $"{role} client", role });
        var body = await created.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return await ClientAsync(body!["clientId"]!.GetValue<string>(), body["clientSecret"]!.GetValue<string>());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (Postgres)
        {
            if (!_keepData && SharedDatabase is null)
            {
                PostgresServer.DropDatabaseAsync(Database!).GetAwaiter().GetResult();
            }

            return;
        }

        // This app's pool only: clearing every pool of the process races the other tests' apps still at work.
        using (var own = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "portal.db")}"))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(own);
        }

        if (_keepData)
        {
            return;
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
