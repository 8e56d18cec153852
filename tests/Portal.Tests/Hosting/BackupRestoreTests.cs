using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Hosting;

/// <summary>
/// Issue 18, "Backups": "A test restores a backup into a fresh data directory and finds integrations, configs, keys
/// (still valid) and events." The real Portal process on SQLite, backed up with <c>dotnet Portal.dll backup</c> while it
/// runs and takes deliveries, then a second portal started on the copy.
/// </summary>
public sealed class BackupRestoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-backup-").FullName;

    [Fact]
    public async Task A_backup_taken_while_the_portal_runs_restores_into_a_fresh_directory_with_everything_working()
    {
        var dll = IngestCrashSafetyTests.PortalDll();
        var live = Path.Combine(_root, "live");
        var restoredDirectory = Path.Combine(_root, "restored");
        var copy = Path.Combine(restoredDirectory, "portal.db");
        PortalWebhookEndpoint endpoint;
        string signingPrefix;

        using (var portal = await PortalProcess.StartAsync(dll, dataDirectory: live))
        {
            endpoint = await portal.CreateWebhookEndpointAsync("backed-up");
            using var provider = new HttpClient { BaseAddress = portal.BaseAddress };
            for (var i = 0; i < 3; i++)
            {
                using var delivered = await provider.PostAsync(endpoint.Url.PathAndQuery, Json($"before_{i}"));
                Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
            }

            using var admin = await portal.AdminAsync();
            var secret = await (await admin.PostAsJsonAsync($"/v1/tenants/{PortalProcess.Tenant}/signing-secrets", new { name = "kept" })).ExpectAsync(HttpStatusCode.Created);
            signingPrefix = secret["token"]!.GetValue<string>()[..14];

            // Deliveries keep arriving while the backup runs: the copy is one consistent moment, taken without stopping anything.
            using var stop = new CancellationTokenSource();
            var streaming = Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    using var _ = await provider.PostAsync(endpoint.Url.PathAndQuery, Json($"during_{n}"));
                }
            });
            var (exit, output) = await BackupAsync(dll, live, copy);
            await stop.CancelAsync();
            await streaming;
            Assert.True(exit == 0, output);
            Assert.StartsWith($"Backed up the store to {copy} (", output, StringComparison.Ordinal);
            Assert.Contains("integrity check ok", output, StringComparison.Ordinal);

            // A second backup to the same file is refused: a backup never overwrites.
            var (again, refused) = await BackupAsync(dll, live, copy);
            Assert.Equal(1, again);
            Assert.Contains("exists already", refused, StringComparison.Ordinal);
        }

        using var restored = await PortalProcess.StartAsync(dll, dataDirectory: restoredDirectory);
        using var restoredAdmin = await restored.AdminAsync();
        var t = $"/v1/tenants/{PortalProcess.Tenant}";
        await (await restoredAdmin.GetAsync($"{t}/integrations/{endpoint.Integration}")).ExpectAsync(HttpStatusCode.OK);
        await (await restoredAdmin.GetAsync($"{t}/integrations/{endpoint.Integration}/configs/{endpoint.Config}")).ExpectAsync(HttpStatusCode.OK);
        var events = await restoredAdmin.StoredWebhookIdsAsync(endpoint.Integration, endpoint.Config, PortalProcess.Tenant);
        Assert.Contains("before_0", events);
        Assert.Contains("before_2", events);
        var secrets = await (await restoredAdmin.GetAsync($"{t}/signing-secrets")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(signingPrefix, Assert.Single(secrets["items"]!.AsArray())!["keyPrefix"]!.GetValue<string>());

        // The webhook URL handed out before the backup still works on the restored portal: its key is still valid.
        using var restoredProvider = new HttpClient { BaseAddress = restored.BaseAddress };
        using var after = await restoredProvider.PostAsync(endpoint.Url.PathAndQuery, Json("after_restore"));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task Backup_without_a_file_says_how_to_use_it()
    {
        var (exit, output) = await RunAsync(IngestCrashSafetyTests.PortalDll(), Path.Combine(_root, "none"), "backup");
        Assert.Equal(2, exit);
        Assert.StartsWith("Usage: dotnet Portal.dll backup <file>", output, StringComparison.Ordinal);
    }

    private static Task<(int Exit, string Output)> BackupAsync(string dll, string dataDirectory, string file) => RunAsync(dll, dataDirectory, "backup", file);

    private static async Task<(int Exit, string Output)> RunAsync(string dll, string dataDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Portal__DataDirectory"] = dataDirectory;
        info.Environment["Database__Provider"] = "Sqlite";
        info.Environment["ConnectionStrings__Portal"] = "";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }

    private static StringContent Json(string id)
    {
        var content = new StringContent($$"""{"id":"{{id}}"}""", Encoding.UTF8, "application/json");
        content.Headers.Add("webhook-id", id); // the inbox lists events by their webhook-id
        return content;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
