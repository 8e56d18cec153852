using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for this test process: Debian's <c>postgresql</c> server binaries
/// (<c>pg_config --bindir</c>), <c>initdb</c> into a temp directory, <c>pg_ctl start</c> on a free loopback port, run as the
/// <c>postgres</c> user when the tests run as root. Started on first use, stopped and deleted when the process exits.
/// No containers. When it cannot start, it says why and the tests that need it fail.
/// </summary>
public sealed class TestPostgres : IDisposable
{
    /// <summary>Set to <c>postgres</c> to run the whole store-backed suite on PostgreSQL (scripts/test.sh does, in a second pass).</summary>
    public const string StoreVariable = "PORTAL_TEST_STORE";

    private static readonly Lazy<TestPostgres> Shared = new(() => Start(durable: false), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _binDirectory;
    private readonly string _directory;
    private readonly bool _asPostgresUser;
    private readonly bool _durable;

    private TestPostgres(string binDirectory, string directory, int port, bool asPostgresUser, bool durable)
    {
        _binDirectory = binDirectory;
        _directory = directory;
        Port = port;
        _asPostgresUser = asPostgresUser;
        _durable = durable;
    }

    /// <summary>Whether this test process runs the store-backed tests on PostgreSQL.</summary>
    public static bool IsSelected => string.Equals(Environment.GetEnvironmentVariable(StoreVariable), "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The cluster of this process (started on first use).</summary>
    public static TestPostgres Server => Shared.Value;

    public int Port { get; }

    /// <summary>
    /// A cluster of its own, e.g. for a test that stops and restarts the server; disposing it deletes it. Tests run without
    /// fsync; <paramref name="durable"/> keeps PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes on), as
    /// the benchmark (bench/Portal.Bench links this file) must measure.
    /// </summary>
    public static TestPostgres StartDedicated(bool durable = false) => Start(durable);

    public void Dispose() => Shutdown();

    /// <summary>A connection string for <paramref name="database"/> (created by EF Core's migrations on first start).</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = "postgres",
            MaxPoolSize = 30,
            // Tests hold locks on purpose (WebhookIngestTests' StoreLock) while a loaded machine sends slowly: a statement
            // waiting for such a lock must not be cancelled by the default 30 s command timeout (a CI run failed so).
            CommandTimeout = 300,
            // A dropped database or a stopped server must not leave idle pooled connections around for long.
            ConnectionIdleLifetime = 10,
        }.ConnectionString;

    /// <summary>A new, unique database name.</summary>
    public static string NewDatabaseName() => "t_" + Guid.NewGuid().ToString("N");

    public async Task DropDatabaseAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the server (e.g. to prove the portal rides out an outage); <see cref="StartAgain"/> brings it back on the same port.</summary>
    public void Stop() => PgCtl($"-D \"{DataDirectory}\" -m fast -w stop");

    public void StartAgain() => PgCtl($"-D \"{DataDirectory}\" -l \"{Path.Combine(_directory, "server.log")}\" -o \"{ServerOptions(Port, _directory, _durable)}\" -w start");

    private string DataDirectory => Path.Combine(_directory, "data");

    private static TestPostgres Start(bool durable)
    {
        var bin = FindBinDirectory()
            ?? throw new InvalidOperationException("PostgreSQL's server binaries (initdb, pg_ctl) were not found: install Debian's 'postgresql' package (scripts/test.sh installs it when absent).");
        var asPostgresUser = Environment.UserName == "root";
        RemoveLeftovers(bin, asPostgresUser);
        var directory = Path.Combine(Path.GetTempPath(), $"portal-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(directory);
        if (asPostgresUser)
        {
            Run("chown", $"postgres \"{directory}\"", asPostgresUser: false);
        }

        var port = FreePort();
        var server = new TestPostgres(bin, directory, port, asPostgresUser, durable);
        Run(Path.Combine(bin, "initdb"), $"-D \"{server.DataDirectory}\" -A trust -U postgres --no-sync -E UTF8", asPostgresUser);
        server.StartAgain();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Shutdown();
        return server;
    }

    // Durability is not under test in the suite (the benchmark runs with it on): no fsync makes the suite faster.
    private static string ServerOptions(int port, string directory, bool durable) =>
        $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=500 "
        + (durable ? "-c fsync=on -c synchronous_commit=on -c full_page_writes=on" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");

    private void Shutdown()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            PgCtl($"-D \"{DataDirectory}\" -m immediate -w stop");
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Clusters of test processes that died without stopping them: stopped and deleted.</summary>
    private static void RemoveLeftovers(string bin, bool asPostgresUser)
    {
        foreach (var stale in Directory.GetDirectories(Path.GetTempPath(), "portal-pg-*"))
        {
            var pid = Path.GetFileName(stale).Split('-') is [_, _, var p, ..] && int.TryParse(p, out var n) ? n : 0;
            if (pid == 0 || ProcessIsAlive(pid))
            {
                continue;
            }

            try
            {
                if (File.Exists(Path.Combine(stale, "data", "postmaster.pid")))
                {
                    Run(Path.Combine(bin, "pg_ctl"), $"-D \"{Path.Combine(stale, "data")}\" -m immediate -w stop", asPostgresUser);
                }
            }
            catch (InvalidOperationException)
            {
                // not running any more
            }

            try
            {
                Directory.Delete(stale, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool ProcessIsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void PgCtl(string arguments) => Run(Path.Combine(_binDirectory, "pg_ctl"), arguments, _asPostgresUser);

    private static string? FindBinDirectory()
    {
        try
        {
            var fromPgConfig = Run("pg_config", "--bindir", asPostgresUser: false).Trim();
            if (File.Exists(Path.Combine(fromPgConfig, "initdb")))
            {
                return fromPgConfig;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Run(string file, string arguments, bool asPostgresUser)
    {
        var start = asPostgresUser
            ? new ProcessStartInfo("runuser", $"-u postgres -- \"{file}\" {arguments}")
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {arguments} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }

        return output.Result;
    }
}
