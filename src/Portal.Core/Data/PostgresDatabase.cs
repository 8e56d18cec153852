using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Portal.Core.Data;

/// <summary>
/// Creates the PostgreSQL database on a first start, asking the server's maintenance database whether it exists (EF
/// Core's own check opens the missing database and logs a connection error on every fresh start, which reads like a fault).
/// </summary>
public static class PostgresDatabase
{
    public static async Task EnsureExistsAsync(PortalDbContext db, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            return;
        }

        var target = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());
        var name = target.Database;
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", name);
            if (await exists.ExecuteScalarAsync(ct) is not null)
            {
                return;
            }
        }

        try
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another instance created it a moment ago.
        }
    }
}
