using Portal.Core.Data;

namespace Portal.Hosting;

/// <summary>
/// <c>dotnet Portal.dll backup &lt;file&gt;</c>: a consistent copy of the SQLite store, taken while the portal runs, read
/// from the same configuration (appsettings.json, environment variables) as the portal itself. On PostgreSQL it says to
/// use <c>pg_dump</c>. Prints one line; exit code 0 on success, 1 on failure, 2 on wrong use.
/// </summary>
public static class StoreBackupCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || string.IsNullOrWhiteSpace(args[1]))
        {
            await Console.Error.WriteLineAsync("Usage: dotnet Portal.dll backup <file>   (a consistent copy of the SQLite store; the portal may keep running)");
            return 2;
        }

        var builder = WebApplication.CreateBuilder(args[2..]);
        builder.Configuration.AddPortalConfigurationFile(builder.Environment);
        if (PortalStore.Provider(builder.Configuration) == StoreProvider.Postgres)
        {
            await Console.Error.WriteLineAsync("The store is PostgreSQL: back it up with pg_dump (README: Backup and restore); this command copies SQLite stores.");
            return 2;
        }

        try
        {
            var connectionString = PortalStore.SqliteConnectionString(builder.Configuration, builder.Environment.ContentRootPath);
            var bytes = await StoreBackup.BackupSqliteAsync(connectionString, args[1]);
            Console.WriteLine($"Backed up the store to {Path.GetFullPath(args[1])} ({bytes} bytes, integrity check ok).");
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"Backup failed: {e.Message}");
            return 1;
        }
    }
}
