using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Portal.Core.Data;
using Portal.Core.Keys;

namespace Portal.Bench;

/// <summary>
/// A SQLite store migrated with the app's own migrations and filled with <c>N</c> issued keys: N - <see cref="RealKeys"/>
/// filler rows with random hashes spread over many tenants, plus <see cref="RealKeys"/> minted webhook keys of tenant
/// <see cref="Tenant"/> whose plaintext the benchmark keeps. The file is cached per N (and per latest migration) in
/// the cache folder, so the 1,000,000-row store is built once. <see cref="OpenPostgres"/> builds the same rows in a
/// PostgreSQL database of the run's throwaway cluster (migrated with the app's PostgreSQL migrations, filled by binary COPY).
/// </summary>
public sealed record KeyStore(int Count, string ConnectionString, IReadOnlyList<KeyStore.RealKey> Keys, StoreProvider Provider = StoreProvider.Sqlite)
{
    public const int RealKeys = 64;
    public const string Tenant = "bench";

    public sealed record RealKey(string Value, string OwnerId)
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public KeyOwner Owner => KeyOwner.TryParse(OwnerId, out var owner) ? owner.Value : throw new InvalidOperationException($"Not an owner: {OwnerId}");
    }

    public string StoreName => Provider == StoreProvider.Postgres ? "PostgreSQL" : "SQLite";

    private sealed record Manifest(int Count, string Migration, List<RealKey> Keys);

    public static KeyStore Open(int count, string cacheDirectory)
    {
        Directory.CreateDirectory(cacheDirectory);
        var dbPath = Path.Combine(cacheDirectory, $"keys-{count}.db");
        var manifestPath = Path.Combine(cacheDirectory, $"keys-{count}.json");
        var latestMigration = LatestMigration();
        if (File.Exists(dbPath) && File.Exists(manifestPath))
        {
            var cached = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath));
            if (cached is not null && cached.Count == count && cached.Migration == latestMigration && cached.Keys.Count == RealKeys)
            {
                Console.WriteLine($"[keys] using cached store of {count:N0} keys: {dbPath}");
                return new KeyStore(count, $"Data Source={dbPath}", cached.Keys);
            }
        }

        foreach (var stale in new[] { dbPath, dbPath + "-wal", dbPath + "-shm", dbPath + "-journal", manifestPath })
        {
            File.Delete(stale);
        }

        var sw = Stopwatch.StartNew();
        var keys = Build(count, dbPath);
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(new Manifest(count, latestMigration, keys.ToList())));
        Console.WriteLine($"[keys] built a store of {count:N0} keys in {sw.Elapsed.TotalSeconds:F1} s: {dbPath}");
        return new KeyStore(count, $"Data Source={dbPath}", keys);
    }

    /// <summary>
    /// A fresh PostgreSQL database of <paramref name="count"/> keys (the same rows as the SQLite store: filler spread over
    /// many tenants, <see cref="RealKeys"/> real ones in the middle), migrated with the app's PostgreSQL migrations and
    /// filled by binary COPY in one transaction. Not cached: the cluster lives for one run.
    /// </summary>
    public static KeyStore OpenPostgres(int count, BenchPostgres postgres)
    {
        var sw = Stopwatch.StartNew();
        var connectionString = postgres.ConnectionString($"bench_keys_{count}");
        using (var sp = Services(connectionString, StoreProvider.Postgres))
        using (var db = sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext())
        {
            db.Database.Migrate();
        }

        var real = new List<RealKey>(RealKeys);
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            using var tx = connection.BeginTransaction();
            using (var quiet = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, tx))
            {
                quiet.ExecuteNonQuery(); // a bulk load: no change notifications for a million rows nobody caches yet
            }

            using (var copy = connection.BeginBinaryImport(
                "COPY \"IssuedKeys\" (\"Id\", \"TenantId\", \"Kind\", \"OwnerId\", \"Hash\", \"KeyPrefix\", \"CreatedAt\", \"CreatedBy\", \"Scopes\") FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var row in Rows(count, real))
                {
                    copy.StartRow();
                    copy.Write(Guid.NewGuid(), NpgsqlDbType.Uuid);
                    copy.Write(row.Tenant, NpgsqlDbType.Varchar);
                    copy.Write(row.Kind, NpgsqlDbType.Integer);
                    copy.Write(row.Owner, NpgsqlDbType.Varchar);
                    copy.Write(row.Hash, NpgsqlDbType.Varchar);
                    copy.Write(row.Prefix, NpgsqlDbType.Varchar);
                    copy.Write(row.CreatedAt, NpgsqlDbType.Bigint);
                    copy.Write("bench", NpgsqlDbType.Varchar);
                    copy.Write("", NpgsqlDbType.Varchar);
                }

                copy.Complete();
            }

            tx.Commit();
        }

        // No ANALYZE (as for SQLite): the app never runs it; autovacuum may, as it would in production.
        Console.WriteLine($"[keys] built a PostgreSQL store of {count:N0} keys in {sw.Elapsed.TotalSeconds:F1} s");
        return new KeyStore(count, connectionString, real, StoreProvider.Postgres);
    }

    private sealed record Row(string Tenant, int Kind, string Owner, string Hash, string Prefix, long CreatedAt);

    /// <summary>The rows of a store of <paramref name="count"/> keys (as the SQLite store); the real keys' plaintexts go to <paramref name="real"/>.</summary>
    private static IEnumerable<Row> Rows(int count, List<RealKey> real)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var realAt = Math.Max(0, (count - RealKeys) / 2);
        var random = new byte[32];
        for (var i = 0; i < count; i++)
        {
            if (i >= realAt && i < realAt + RealKeys)
            {
                var secret = SecretFormat.Mint(KeyPrefixes.WebhookKey);
                var ownerId = KeyOwner.ForConfig(Guid.NewGuid()).Stored;
                real.Add(new RealKey(secret.Value, ownerId));
                yield return new Row(Tenant, (int)KeyKind.WebhookKey, ownerId, SecretFormat.Hash(secret.Value), secret.DisplayPrefix, now - (count - i));
            }
            else
            {
                RandomNumberGenerator.Fill(random);
                yield return new Row(
                    $"t{i % 1000:D4}",
                    (int)(i % 2 == 0 ? KeyKind.WebhookKey : KeyKind.McpKey),
                    new KeyOwner(KeyOwnerKind.Config, i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Stored,
                    Convert.ToHexStringLower(random),
                    (i % 2 == 0 ? KeyPrefixes.WebhookKey : KeyPrefixes.McpKey) + "filler00",
                    now - (count - i));
            }
        }
    }

    /// <summary>
    /// What the key check needs, as the app registers it: the DbContext factory (SQLite or PostgreSQL, OpenIddict
    /// entities, the change announcer), the change feed and the key cache; on PostgreSQL also the change listener
    /// (started by <see cref="KeyCheckBenchmarks.Engine"/>).
    /// </summary>
    public static ServiceProvider Services(string connectionString, StoreProvider provider = StoreProvider.Sqlite, int? cacheCapacity = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<Portal.Core.Tenancy.PortalOptions>().Configure(o => o.KeyCacheCapacity = cacheCapacity ?? o.KeyCacheCapacity);
        services.AddSingleton(new StoreInfo(provider));
        services.AddSingleton<ChangeFeed>();
        services.AddSingleton<ChangeAnnouncer>();
        services.AddSingleton<KeyCache>();
        if (provider == StoreProvider.Postgres)
        {
            services.AddDbContextFactory<PortalDbContext>((sp, o) => PortalStore.UsePostgres(o, connectionString).AddInterceptors(sp.GetRequiredService<ChangeAnnouncer>()));
            services.AddSingleton(sp => new PostgresChangeListener(sp.GetRequiredService<ChangeFeed>(), connectionString, TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresChangeListener>.Instance));
        }
        else
        {
            services.AddDbContextFactory<PortalDbContext>((sp, o) => o.UseSqlite(connectionString).UseOpenIddict().AddInterceptors(sp.GetRequiredService<ChangeAnnouncer>()));
        }

        return services.BuildServiceProvider();
    }

    /// <summary>On PostgreSQL: starts the change listener of <paramref name="services"/> and waits until its feed is live. A no-op on SQLite.</summary>
    public static void Listen(ServiceProvider services)
    {
        if (services.GetService<PostgresChangeListener>() is not { } listener)
        {
            return;
        }

        listener.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        var feed = services.GetRequiredService<ChangeFeed>();
        for (var i = 0; i < 200 && !feed.IsLive; i++)
        {
            Thread.Sleep(25);
        }

        if (!feed.IsLive)
        {
            throw new InvalidOperationException("A PostgreSQL change listener did not come up.");
        }
    }

    private static string LatestMigration()
    {
        using var sp = Services("Data Source=:memory:");
        using var db = sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        return db.Database.GetMigrations().Last();
    }

    private static IReadOnlyList<RealKey> Build(int count, string dbPath)
    {
        var connectionString = $"Data Source={dbPath};Pooling=False";
        using (var sp = Services(connectionString))
        using (var db = sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext())
        {
            db.Database.Migrate();
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var real = new List<RealKey>(RealKeys);
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Exec(connection, "PRAGMA synchronous=OFF");

        // Bulk load without the secondary indexes, then recreate them with the migration's own SQL.
        var indexSql = new List<string>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='IssuedKeys' AND sql IS NOT NULL";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                indexSql.Add(reader.GetString(0));
            }
        }

        if (!indexSql.Any(s => s.Contains("\"Hash\"", StringComparison.Ordinal) && s.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException("The migrated store has no unique index on IssuedKeys.Hash.");
        }

        using (var tx = connection.BeginTransaction())
        {
            foreach (var name in IndexNames(connection, tx))
            {
                Exec(connection, $"DROP INDEX \"{name}\"", tx);
            }

            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO "IssuedKeys" ("Id", "TenantId", "Kind", "OwnerId", "Hash", "ProtectedValue", "KeyPrefix", "CreatedAt", "ExpiresAt", "RevokedAt", "LastUsedAt", "CreatedBy")
                VALUES ($id, $tenant, $kind, $owner, $hash, NULL, $prefix, $created, NULL, NULL, NULL, 'bench')
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var tenant = insert.Parameters.Add("$tenant", SqliteType.Text);
            var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
            var owner = insert.Parameters.Add("$owner", SqliteType.Text);
            var hash = insert.Parameters.Add("$hash", SqliteType.Text);
            var prefix = insert.Parameters.Add("$prefix", SqliteType.Text);
            var created = insert.Parameters.Add("$created", SqliteType.Integer);
            insert.Prepare();

            // The real keys sit in the middle of the insertion order, not at either end of the table.
            var realAt = Math.Max(0, (count - RealKeys) / 2);
            Span<byte> random = stackalloc byte[32];
            for (var i = 0; i < count; i++)
            {
                var isReal = i >= realAt && i < realAt + RealKeys;
                created.Value = now - (count - i);
                id.Value = Guid.NewGuid().ToString().ToUpperInvariant(); // EF Core's SQLite representation of a Guid
                if (isReal)
                {
                    var secret = SecretFormat.Mint(KeyPrefixes.WebhookKey);
                    var ownerId = KeyOwner.ForConfig(Guid.NewGuid()).Stored;
                    real.Add(new RealKey(secret.Value, ownerId));
                    tenant.Value = Tenant;
                    kind.Value = (int)KeyKind.WebhookKey;
                    owner.Value = ownerId;
                    hash.Value = SecretFormat.Hash(secret.Value);
                    prefix.Value = secret.DisplayPrefix;
                }
                else
                {
                    RandomNumberGenerator.Fill(random);
                    tenant.Value = $"t{i % 1000:D4}";
                    kind.Value = (int)(i % 2 == 0 ? KeyKind.WebhookKey : KeyKind.McpKey);
                    owner.Value = new KeyOwner(KeyOwnerKind.Config, i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Stored;
                    hash.Value = Convert.ToHexStringLower(random);
                    prefix.Value = (i % 2 == 0 ? KeyPrefixes.WebhookKey : KeyPrefixes.McpKey) + "filler00";
                }

                insert.ExecuteNonQuery();
            }

            foreach (var sql in indexSql)
            {
                Exec(connection, sql, tx);
            }

            tx.Commit();
        }

        // No ANALYZE: the app never runs it, so the planner sees what it sees in production.
        return real;
    }

    private static List<string> IndexNames(SqliteConnection connection, SqliteTransaction tx)
    {
        using var read = connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='IssuedKeys' AND sql IS NOT NULL";
        using var reader = read.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static void Exec(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
