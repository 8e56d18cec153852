using Microsoft.Data.Sqlite;

namespace Portal.Core.Data;

/// <summary>
/// A consistent copy of the SQLite store while the portal runs (README "Backup and restore"): SQLite's online backup
/// API copies the database page by page under a read transaction, so writers carry on and the copy is one moment of the
/// store, the write-ahead log included. The copy is checked with <c>PRAGMA integrity_check</c> before it is reported.
/// </summary>
public static class StoreBackup
{
    /// <summary>Copies the store at <paramref name="connectionString"/> to <paramref name="destination"/> (which must not exist); returns its size in bytes.</summary>
    public static async Task<long> BackupSqliteAsync(string connectionString, string destination, CancellationToken ct = default)
    {
        destination = Path.GetFullPath(destination);
        if (File.Exists(destination))
        {
            throw new IOException($"'{destination}' exists already; a backup never overwrites a file.");
        }

        var sourcePath = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (!File.Exists(sourcePath))
        {
            throw new FileNotFoundException($"There is no store at '{sourcePath}' to back up (Portal:DataDirectory or ConnectionStrings:Portal).", sourcePath);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await using (var source = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        await using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString()))
        {
            await source.OpenAsync(ct);
            await using (var busy = source.CreateCommand())
            {
                busy.CommandText = "PRAGMA busy_timeout=10000;";
                await busy.ExecuteNonQueryAsync(ct);
            }

            await target.OpenAsync(ct);
            source.BackupDatabase(target);
            await using var check = target.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            var result = (string?)await check.ExecuteScalarAsync(ct);
            if (result != "ok")
            {
                throw new InvalidDataException($"The copy at '{destination}' failed its integrity check: {result}");
            }
        }

        return new FileInfo(destination).Length;
    }
}
