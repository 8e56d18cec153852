using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The real Portal as a child process: its built <c>Portal.dll</c> (<c>dotnet Portal.dll</c>, Production environment) on
/// a loopback port, on a SQLite data directory or, given a connection string, a PostgreSQL database, with a bootstrap API
/// client. Started again on the same directory (or database), it is the same portal restarted. Its output is drained and
/// the last lines kept for diagnostics. Dispose kills it if it still runs and deletes a data directory it created.
/// No test framework here: the benchmark (bench/Portal.Bench) can link this file as it links <c>TestPostgres.cs</c>.
/// </summary>
public sealed class PortalProcess : IDisposable
{
    public const string Tenant = "default";
    public const string ClientId = "portal-process";

    // A bootstrap credential for throwaway portals only; never printed.
    private const string ClientSecret = "pcs_portal-process-throwaway-secret";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly bool _ownsDataDirectory;

    private PortalProcess(Process process, Uri baseAddress, string dataDirectory, bool ownsDataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public Uri BaseAddress { get; }

    /// <summary>Where it keeps its files (on SQLite, <c>portal.db</c>): give it to <see cref="StartAsync"/> again to restart this portal.</summary>
    public string DataDirectory { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Its last lines of output (stdout and stderr).</summary>
    public string Tail => string.Join(Environment.NewLine, _tail);

    /// <summary>
    /// Where this build's <c>Portal.dll</c> is: <c>src/Portal/bin/&lt;Configuration&gt;/&lt;framework&gt;/Portal.dll</c> of the
    /// repository the running program was built in, in the running program's own configuration and framework (read from
    /// <see cref="AppContext.BaseDirectory"/>, <c>…/bin/&lt;Configuration&gt;/&lt;framework&gt;/</c>). Null outside a repository.
    /// </summary>
    public static string? PortalDllPath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        if (output.Parent?.Parent?.Name != "bin")
        {
            return null;
        }

        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return Path.Combine(dir.FullName, "src", "Portal", "bin", output.Parent.Name, output.Name, "Portal.dll");
            }
        }

        return null;
    }

    /// <summary><paramref name="configured"/> when given and present, else <see cref="PortalDllPath"/> when present; null when absent.</summary>
    public static string? FindPortalDll(string? configured = null) =>
        (configured ?? PortalDllPath()) is { } path && File.Exists(path) ? path : null;

    /// <summary>Starts the Portal and waits until <c>/healthz</c> answers 200.</summary>
    /// <param name="postgresConnectionString">Null: SQLite in the data directory; otherwise this PostgreSQL database (migrated at start).</param>
    /// <param name="dataDirectory">Null: a new temporary directory, deleted on dispose; otherwise this one, kept (a restart).</param>
    /// <param name="settings">More configuration, e.g. <c>["Portal:Ingest:QueueCapacity"] = "2"</c> (passed as environment variables).</param>
    /// <exception cref="PortalExitedException">It ended before it was ready.</exception>
    public static async Task<PortalProcess> StartAsync(string portalDll, string? postgresConnectionString = null, string? dataDirectory = null,
        IReadOnlyDictionary<string, string>? settings = null, TimeSpan? readyWithin = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("portal-process-").FullName;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(portalDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { portalDll, "--urls", baseAddress.ToString().TrimEnd('/') })
        {
            info.ArgumentList.Add(arg);
        }

        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Portal:DataDirectory"] = dataDirectory,
            ["Portal:PublicBaseUrl"] = baseAddress.ToString().TrimEnd('/'),
            ["Portal:Bootstrap:Tenant"] = Tenant,
            ["Portal:Bootstrap:AdminPassword"] = "Process-Admin-Password-1!",
            ["Portal:Bootstrap:ApiClientId"] = ClientId,
            ["Portal:Bootstrap:ApiClientSecret"] = ClientSecret,
            ["AzureAd:ClientId"] = "",
            ["Database:Provider"] = postgresConnectionString is null ? "Sqlite" : "Postgres",
            ["ConnectionStrings:Portal"] = postgresConnectionString ?? "",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        foreach (var (key, value) in env)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = info };
        var portal = new PortalProcess(process, baseAddress, dataDirectory, owns);
        process.OutputDataReceived += (_, e) => portal.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => portal.OnLine(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await portal.WaitReadyAsync(readyWithin ?? TimeSpan.FromSeconds(90));
            return portal;
        }
        catch
        {
            portal.Dispose();
            throw;
        }
    }

    /// <summary>An HttpClient on this portal with a bearer token of the bootstrap API client (Admin).</summary>
    public async Task<HttpClient> AdminAsync()
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        }));
        await EnsureAsync(response, "token");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Creates integration <paramref name="integration"/> and a config through the API, and the config's webhook URL.</summary>
    public async Task<PortalWebhookEndpoint> CreateWebhookEndpointAsync(string integration = "bench")
    {
        using var admin = await AdminAsync();
        using (var created = await admin.PostAsJsonAsync($"/v1/tenants/{Tenant}/integrations", new { id = integration, displayName = integration }))
        {
            await EnsureAsync(created, "create integration");
        }

        string config;
        using (var created = await admin.PostAsJsonAsync($"/v1/tenants/{Tenant}/integrations/{integration}/configs", new { displayName = "Prod" }))
        {
            await EnsureAsync(created, "create config");
            config = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        using var generated = await admin.PostAsync($"/v1/tenants/{Tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", content: null);
        await EnsureAsync(generated, "generate webhook URL");
        var url = new Uri((await generated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhookUrl").GetString()!);
        return new PortalWebhookEndpoint(integration, config, url);
    }

    /// <summary>SIGKILL, now: no shutdown, no drain, no flush; returns once it is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // not started, or exited in between
        }

        _process.Dispose();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > 40 && _tail.TryDequeue(out _))
        {
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the output is drained to its end
                throw new PortalExitedException(_process.ExitCode, Tail);
            }

            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The Portal did not answer /healthz within {timeout.TotalSeconds} s:{Environment.NewLine}{Tail}");
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
}

/// <summary>A config's webhook endpoint on a <see cref="PortalProcess"/>: the URL carries the key (never print it).</summary>
public sealed record PortalWebhookEndpoint(string Integration, string Config, Uri Url);

/// <summary>The Portal ended before it was ready, with this exit code and these last lines of output.</summary>
public sealed class PortalExitedException(int exitCode, string output)
    : Exception($"The Portal exited with {exitCode} at start-up:{Environment.NewLine}{output}")
{
    public int ExitCode { get; } = exitCode;

    public string Output { get; } = output;
}
